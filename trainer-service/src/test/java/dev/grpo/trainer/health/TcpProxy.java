package dev.grpo.trainer.health;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut (listener closed, every open connection reset)
 * and restore on the same port: the network between a service and its database going away and
 * coming back, without touching the database itself.
 */
final class TcpProxy implements AutoCloseable {
  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile ServerSocket listener;

  TcpProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    listener = bind(0);
    port = listener.getLocalPort();
    accept(listener);
  }

  int port() {
    return port;
  }

  /** Closes the listener and resets every forwarded connection: nothing gets through. */
  synchronized void cut() throws IOException {
    listener.close();
    for (Socket s : open) {
      try {
        s.setSoLinger(true, 0); // RST, as a dead host or a dropped route would end it
        s.close();
      } catch (IOException e) {
        // already closed by its pump
      }
    }
    open.clear();
  }

  /** Listens again on the same port. */
  synchronized void restore() throws IOException {
    listener = bind(port);
    accept(listener);
  }

  @Override
  public void close() throws IOException {
    cut();
  }

  private static ServerSocket bind(int port) throws IOException {
    var s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private void accept(ServerSocket l) {
    var t =
        new Thread(
            () -> {
              while (!l.isClosed()) {
                try {
                  Socket client = l.accept();
                  Socket server = new Socket(targetHost, targetPort);
                  open.add(client);
                  open.add(server);
                  pump(client, server);
                  pump(server, client);
                } catch (IOException e) {
                  // listener closed by cut(), or the target refused: the client sees a reset
                }
              }
            },
            "tcp-proxy-accept-" + port);
    t.setDaemon(true);
    t.start();
  }

  private void pump(Socket from, Socket to) {
    var t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // one side closed or was reset
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException ignored) {
                  // closing anyway
                }
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }
}
