package dev.grpo.localinfra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finding and checking TCP ports on the loopback address. */
final class FreePorts {

  private FreePorts() {}

  /** A port that was free a moment ago; the caller must cope with losing a race for it. */
  static int pick(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on " + host + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code port} can be bound on {@code host} right now. */
  static boolean isFree(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      // SO_REUSEADDR as the broker and PostgreSQL bind: only a live listener makes the port taken;
      // connections of a just-stopped server lingering in TIME_WAIT do not (a quick restart works).
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
