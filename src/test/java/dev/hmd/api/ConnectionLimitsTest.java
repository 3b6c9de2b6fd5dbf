package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.RawHttp;
import dev.hmd.testing.SseClient;
import dev.hmd.testing.TestService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Connections cannot hold the server without sending requests: over real sockets, with a short
 * read timeout (500 ms) and idle timeout (1.5 s) on one service, and a cap of a few connections per
 * client address on another. Assertions wait for the server to close a socket; they never time it.
 */
class ConnectionLimitsTest {

  static final int CAP = 4;
  static Service quick;
  static Service capped;

  @BeforeAll
  static void start() {
    quick = TestService.start(Map.of(Config.HTTP_READ_TIMEOUT_MS, "500", Config.HTTP_IDLE_TIMEOUT_MS, "1500",
      Config.SSE_HEARTBEAT_MS, "300", Config.RATE_LIMIT_PER_MINUTE, "60000"));
    capped = TestService.start(Map.of(Config.HTTP_MAX_CONNECTIONS_PER_ADDRESS, String.valueOf(CAP)));
  }

  @AfterAll
  static void stop() {
    quick.close();
    capped.close();
  }

  /** A socket to {@code service}, from {@code local} (another loopback address is another client). */
  static Socket connect(Service service, String local) {
    try {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress(local, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", service.httpPort()), 5_000);
      socket.setSoTimeout(30_000);
      return socket;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Blocks until the server closes the socket (end of stream or reset); fails if it is still open after 30 s. */
  static void assertClosedByServer(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return;
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open for 30 s", e);
    } catch (IOException e) {
      // reset by the server: closed as well
    }
  }

  static void write(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing is all that was asked
    }
  }

  @Test
  @DisplayName("a connection that never sends a request is closed after the read timeout")
  void silentConnection() {
    try (Socket socket = connect(quick, "127.0.0.1")) {
      assertClosedByServer(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  @DisplayName(
    "slowloris: connections that trickle their headers a line at a time are closed, however long they keep trickling")
  void trickledHeaders() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    ExecutorService tricklers = Executors.newCachedThreadPool();
    try {
      for (int i = 0; i < 20; i++) {
        Socket socket = connect(quick, "127.0.0.1");
        sockets.add(socket);
        tricklers.submit(() -> {
          write(socket, "GET /health/live HTTP/1.1\r\nHost: localhost\r\n");
          for (int n = 0; n < 600 && !socket.isClosed(); n++) {
            write(socket, "X-Trickle-" + n + ": x\r\n");
            Thread.sleep(100);
          }
          return null;
        });
      }
      sockets.forEach(ConnectionLimitsTest::assertClosedByServer);
    } finally {
      sockets.forEach(ConnectionLimitsTest::closeQuietly);
      tricklers.shutdownNow();
      tricklers.awaitTermination(10, TimeUnit.SECONDS);
    }
    assertThat(quick.registry().get("hmd.http.requests.timed.out").counter().count()).isGreaterThanOrEqualTo(20);
  }

  @Test
  @DisplayName("a request whose body trickles is closed after the read timeout")
  void trickledBody() throws Exception {
    try (Socket socket = connect(quick, "127.0.0.1")) {
      write(socket, "POST /v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: 1000\r\n\r\n{");
      Thread trickler = new Thread(() -> {
        try {
          for (int n = 0; n < 600 && !socket.isClosed(); n++) {
            write(socket, " ");
            Thread.sleep(100);
          }
        } catch (IOException | InterruptedException ignored) {
          // the server closed it: what the test waits for
        }
      });
      trickler.start();
      assertClosedByServer(socket);
      trickler.interrupt();
    }
  }

  @Test
  @DisplayName("an idle keep-alive connection is closed after the idle timeout; a busy one is not")
  void idleKeepAlive() throws IOException {
    try (Socket socket = connect(quick, "127.0.0.1")) {
      // requests in turn, each well within the idle timeout, keep it open
      for (int i = 0; i < 5; i++) {
        write(socket, "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(RawHttp.read(socket.getInputStream()).status()).isEqualTo(200);
      }
      assertClosedByServer(socket);
    }
  }

  @Test
  @DisplayName("an event stream outlives the idle timeout many times over: its heartbeat keeps it open")
  void streamsOutliveTheIdleTimeout() {
    Api.TenantKeys t = Api.of(quick).newTenant("long-stream");
    try (SseClient sse = SseClient.open(quick.vertx(), quick.httpPort(), "/v1/events",
      Map.of("Authorization", "Bearer " + t.adminKey()))) {
      assertThat(sse.status()).isEqualTo(200);
      // 20 heartbeats 300 ms apart: four times the 1.5 s idle timeout
      await().atMost(Duration.ofSeconds(60)).until(() -> sse.comments().size() >= 20 || sse.ended());
      assertThat(sse.ended()).isFalse();
    }
  }

  @Test
  @DisplayName("an idle timeout not above the SSE heartbeat is refused at start: it would close every stream")
  void idleTimeoutAboveHeartbeat() {
    assertThatThrownBy(() -> Config.from(Map.of(Config.HTTP_IDLE_TIMEOUT_MS, "10000")))
      .isInstanceOf(Config.ConfigException.class).hasMessageContaining(Config.SSE_HEARTBEAT_MS);
    assertThat(Config.from(Map.of()).httpIdleTimeout()).isGreaterThan(Config.from(Map.of()).sseHeartbeat());
  }

  @Test
  @DisplayName(
    "one client address gets at most the cap of connections; others, and the health check, still get through")
  void perAddressCap() throws IOException {
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < CAP; i++) {
        Socket socket = connect(capped, "127.0.0.2");
        write(socket, "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(RawHttp.read(socket.getInputStream()).status()).isEqualTo(200);
        held.add(socket);
      }
      // idle connections by the thousand: each beyond the cap is closed as it opens
      List<Socket> flood = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        flood.add(connect(capped, "127.0.0.2"));
      }
      flood.forEach(ConnectionLimitsTest::assertClosedByServer);
      flood.forEach(ConnectionLimitsTest::closeQuietly);
      assertThat(capped.registry().get("hmd.http.connections.refused").counter().count()).isGreaterThanOrEqualTo(200);
      // another client is not affected, and the probes answer
      assertThat(RawHttp.exchange(capped.httpPort(), RawHttp.get("/health/live", "")).status()).isEqualTo(200);
      // a connection given back makes room
      closeQuietly(held.remove(0));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        try (Socket again = connect(capped, "127.0.0.2")) {
          write(again, "GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
          assertThat(RawHttp.read(again.getInputStream()).status()).isEqualTo(200);
        }
      });
    } finally {
      held.forEach(ConnectionLimitsTest::closeQuietly);
    }
  }
}
