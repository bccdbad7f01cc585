package dev.grpo.trainer.worker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A worker that speaks another protocol version, or none at all, is named as such. */
class WorkerClientTest {

  @Test
  void aWorkerOfAnotherProtocolVersionIsRefused() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          byte[] body =
              (ex.getRequestURI().getPath().equals("/health")
                      ? "{\"protocol\":\"grpo-worker/2\"}"
                      : "{\"error\":\"no such path\",\"protocol\":\"grpo-worker/2\"}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(
              ex.getRequestURI().getPath().equals("/health") ? 200 : 404, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    try {
      var client =
          new WorkerClient(
              URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
              WorkerClient.Timeouts.defaults());
      assertThatThrownBy(client::health)
          .isInstanceOf(WorkerException.class)
          .hasMessageContaining("protocol mismatch")
          .hasMessageContaining("speaks 'grpo-worker/2', this trainer speaks 'grpo-worker/1'");
      assertThatThrownBy(() -> client.step(List.of()))
          .hasMessageContaining("does not know step of grpo-worker/1 (it speaks 'grpo-worker/2')");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anUnreachableWorkerIsNamed() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    var client =
        new WorkerClient(URI.create("http://127.0.0.1:" + port), WorkerClient.Timeouts.defaults());
    assertThatThrownBy(client::health)
        .isInstanceOf(WorkerException.class)
        .hasMessageContaining("worker at http://127.0.0.1:" + port + " is unreachable");
  }
}
