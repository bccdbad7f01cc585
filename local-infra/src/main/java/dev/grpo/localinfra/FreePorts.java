package dev.grpo.localinfra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finding and checking TCP ports on the loopback address. */
final class FreePorts {

    private FreePorts() {
    }

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
            // Without SO_REUSEADDR a port held by a listener, or in TIME_WAIT from one, reads as taken.
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
