package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.events.EventLog;
import dev.hmd.testing.Api;
import dev.hmd.testing.SseClient;
import dev.hmd.testing.TestService;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService(env = {Config.SSE_HEARTBEAT_MS + "=300", Config.RATE_LIMIT_PER_MINUTE + "=60000"})
class EventStreamsTest {

  static Service service;
  static Api api;

  static void append(Service into, String tenantId, int count, String releaseId) {
    List<EventLog.NewEvent> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(new EventLog.NewEvent(releaseId, "release", new JsonObject().put("n", i).put("pad", "x".repeat(200))));
    }
    into.pool().withTransaction(tx -> EventLog.append(tx, tenantId, events)).await();
  }

  static SseClient stream(Service on, String key, String path, Map<String, String> extra) {
    Map<String, String> headers = new java.util.HashMap<>(extra);
    headers.put("Authorization", "Bearer " + key);
    return SseClient.open(on.vertx(), on.httpPort(), path, headers);
  }

  @Test
  @DisplayName("a stream is text/event-stream, starts with a retry hint, sends comments, and delivers new events live")
  void live() {
    Api.TenantKeys t = api.newTenant("live");
    try (SseClient sse = stream(service, t.adminKey(), "/v1/events", Map.of())) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
      await().until(() -> !sse.retries().isEmpty());
      append(service, t.tenantId(), 3, "r_1");
      await().atMost(Duration.ofSeconds(5)).until(() -> sse.events().size() == 3);
      assertThat(sse.events()).extracting(SseClient.Event::id).containsExactly(1L, 2L, 3L);
      assertThat(sse.events().get(0).type()).isEqualTo("release");
      assertThat(sse.events().get(2).data().getInteger("n")).isEqualTo(2);
      await().atMost(Duration.ofSeconds(5)).until(() -> !sse.comments().isEmpty());
    }
  }

  @Test
  @DisplayName("Last-Event-ID (header or query) replays every later event, then continues live")
  void replay() {
    Api.TenantKeys t = api.newTenant("replay");
    append(service, t.tenantId(), 5, "r_1");
    try (SseClient header = stream(service, t.adminKey(), "/v1/events", Map.of("Last-Event-ID", "2"));
         SseClient query = stream(service, t.adminKey(), "/v1/events?lastEventId=4", Map.of())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> header.events().size() == 3 && query.events().size() == 1);
      append(service, t.tenantId(), 1, "r_1");
      await().atMost(Duration.ofSeconds(5)).until(() -> header.events().size() == 4 && query.events().size() == 2);
      assertThat(header.events()).extracting(SseClient.Event::id).containsExactly(3L, 4L, 5L, 6L);
      assertThat(query.events()).extracting(SseClient.Event::id).containsExactly(5L, 6L);
    }
  }

  @Test
  @DisplayName("no gap and no duplicate when events keep committing while a stream replays")
  void noGapNoDuplicate() throws Exception {
    Api.TenantKeys t = api.newTenant("busy");
    append(service, t.tenantId(), 1200, "r_1");
    Thread writer = new Thread(() -> {
      for (int i = 0; i < 60; i++) {
        append(service, t.tenantId(), 5, "r_1");
      }
    });
    writer.start();
    try (SseClient sse = stream(service, t.adminKey(), "/v1/events", Map.of("Last-Event-ID", "0"))) {
      writer.join();
      await().atMost(Duration.ofSeconds(20)).until(() -> sse.events().size() >= 1500);
      assertThat(sse.events()).extracting(SseClient.Event::id)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 1500).boxed().toList());
    }
  }

  @Test
  @DisplayName("an event written by one process reaches a stream on another process sharing the database")
  void crossProcess() {
    Api.TenantKeys t = api.newTenant("cross");
    try (Service other = TestService.startOn(service.config())) {
      try (SseClient sse = stream(other, t.adminKey(), "/v1/events", Map.of())) {
        await().until(() -> !sse.retries().isEmpty());
        append(service, t.tenantId(), 2, "r_1");
        await().atMost(Duration.ofSeconds(5)).until(() -> sse.events().size() == 2);
      }
    }
  }

  @Test
  @DisplayName("a stream needs credentials and only ever carries its own tenant's events")
  void isolation() {
    Api.TenantKeys a = api.newTenant("iso-a");
    Api.TenantKeys b = api.newTenant("iso-b");
    try (SseClient anonymous = SseClient.open(service.vertx(), service.httpPort(), "/v1/events", Map.of())) {
      assertThat(anonymous.status()).isEqualTo(401);
    }
    try (SseClient sse = stream(service, a.adminKey(), "/v1/events", Map.of())) {
      await().until(() -> !sse.retries().isEmpty());
      append(service, b.tenantId(), 3, "r_b");
      append(service, a.tenantId(), 1, "r_a");
      await().atMost(Duration.ofSeconds(5)).until(() -> sse.events().size() == 1);
      assertThat(sse.events().get(0).id()).isEqualTo(1L);
    }
    try (SseClient foreign = stream(service, a.adminKey(), "/v1/releases/r_b/events", Map.of())) {
      assertThat(foreign.status()).isEqualTo(404);
    }
    try (SseClient bad = stream(service, a.adminKey(), "/v1/events", Map.of("Last-Event-ID", "soon"))) {
      assertThat(bad.status()).isEqualTo(400);
    }
  }

  @Test
  @DisplayName("a client that stops reading is disconnected instead of growing memory, and can resume")
  void slowClient() {
    Api.TenantKeys t = api.newTenant("slow");
    double droppedBefore = service.registry().get("hmd.sse.connections.dropped").counter().count();
    NetClient net = service.vertx().createNetClient();
    NetSocket socket = net.connect(service.httpPort(), "localhost").await();
    socket.handler(buffer -> { });
    socket.pause();
    socket.write(Buffer.buffer("GET /v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + t.adminKey()
      + "\r\n\r\n")).await();
    await().atMost(Duration.ofSeconds(5)).until(() -> service.registry().get("hmd.sse.clients").gauge().value() >= 1);
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      append(service, t.tenantId(), 500, "r_1");
      return service.registry().get("hmd.sse.connections.dropped").counter().count() > droppedBefore;
    });
    net.close();
    try (SseClient resumed = stream(service, t.adminKey(), "/v1/events", Map.of("Last-Event-ID", "10"))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> resumed.events().size() > 100);
      assertThat(resumed.events().get(0).id()).isEqualTo(11L);
    }
  }
}
