package dev.hmd.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.connections.PlanJson;
import dev.hmd.http.OutboundUrls;
import dev.hmd.http.PublicAddresses;
import dev.hmd.notify.Notifications.Notice;
import dev.hmd.releases.ReleaseRow;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.testing.Fixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which changes of a release make which notifications, and what their text says. */
class NotificationsTest {

  static ReleaseRow row(String state, int stage, String outcomeCode, String outcomeMessage) {
    return row("t_1", "c_1", "r_1", state, stage, outcomeCode, outcomeMessage);
  }

  static ReleaseRow row(String tenantId, String connectionId, String releaseId, String state, int stage,
                        String outcomeCode, String outcomeMessage) {
    JsonObject plan = Fixture.quickPlan(60, 10, 10, 50, 100);
    plan.getJsonArray("stages").getJsonObject(1).put("autoProgress", false);
    dev.hmd.slo.Plan parsed = PlanJson.fromJson(plan);
    return new ReleaseRow(releaseId, tenantId, connectionId, "acc", "shop<&>", "0c7e2a11-old-version",
      "5b9d0f3e-new-version", 1,
      PlanJson.toJson(parsed), ReleaseStatus.fromWireName(state).orElseThrow(), stage, new JsonArray(), outcomeCode,
        outcomeMessage, Instant.EPOCH, Instant.EPOCH, null, null,
      null, null, null, null, null, null, null, 0, null, null, null, 3);
  }

  static ReleaseRow running(int stage) {
    return row("running", stage, null, null);
  }

  @Test
  @DisplayName(
    "a new release makes started; a stage starting to wait makes awaiting_approval once; an end makes its event once")
  void notices() {
    assertThat(Notifications.notices(null, running(0))).containsExactly(new Notice(WebhookEvent.STARTED, 0));
    assertThat(Notifications.notices(running(0), running(1))).isEmpty();
    assertThat(Notifications.notices(running(1), row("awaiting_approval", 1, null, null)))
      .containsExactly(new Notice(WebhookEvent.AWAITING_APPROVAL, 1));
    assertThat(Notifications.notices(row("awaiting_approval", 1, null, null), row("awaiting_approval", 1, null, null)))
      .isEmpty();
    assertThat(Notifications.notices(row("awaiting_approval", 1, null, null), row("awaiting_approval", 2, null, null)))
      .containsExactly(new Notice(WebhookEvent.AWAITING_APPROVAL, 2));
    assertThat(Notifications.notices(row("awaiting_approval", 1, null, null), running(2))).isEmpty();
    assertThat(Notifications.notices(running(2), row("succeeded", 2, "completed", "all stages passed")))
      .containsExactly(new Notice(WebhookEvent.SUCCEEDED, 2));
    assertThat(Notifications.notices(running(0), row("rolled_back", 0, "slo_violation", "p99 too high")))
      .containsExactly(new Notice(WebhookEvent.ROLLED_BACK, 0));
    assertThat(Notifications.notices(row("awaiting_approval", 1, null, null), row("cancelled", 1, "cancelled", "by x")))
      .containsExactly(new Notice(WebhookEvent.CANCELLED, 1));
    assertThat(Notifications.notices(running(1), row("failed", 1, "error", "boom")))
      .containsExactly(new Notice(WebhookEvent.FAILED, 1));
    // an ended release saved again (its rollback applied later) says nothing more
    assertThat(
      Notifications.notices(row("rolled_back", 0, "slo_violation", "x"), row("rolled_back", 0, "slo_violation", "x")))
      .isEmpty();
  }

  @Test
  @DisplayName(
    "the text names release, Worker, short versions, stage and outcome with reason, escaped for Slack, on one line")
  void text() {
    String started = NotificationText.of(WebhookEvent.STARTED, running(0));
    assertThat(started).isEqualTo(":rocket: Release r_1 of Worker *shop&lt;&amp;&gt;* started: version `5b9d0f3e` "
      + "replacing `0c7e2a11`, stage 1/3 (10% on `5b9d0f3e`).");
    String awaiting = NotificationText.of(WebhookEvent.AWAITING_APPROVAL, row("awaiting_approval", 1, null, null));
    assertThat(awaiting).contains("awaits approval at stage 2/3 (50% on `5b9d0f3e`)", "needs a person's approval");
    String rolledBack = NotificationText.of(WebhookEvent.ROLLED_BACK,
      row("rolled_back", 0, "slo_violation", "latency_p99 of the new version is 912 ms\n> threshold 500 ms"));
    assertThat(rolledBack).isEqualTo(":rotating_light: Release r_1 of Worker *shop&lt;&amp;&gt;* rolled back to "
      + "`0c7e2a11` at stage 1/3 (10% on `5b9d0f3e`): slo_violation (latency_p99 of the new version is 912 ms "
      + "&gt; threshold 500 ms).");
    assertThat(NotificationText.of(WebhookEvent.SUCCEEDED, row("succeeded", 2, "completed", "all stages passed")))
      .contains("succeeded", "serves 100%", "3/3 stages", "completed (all stages passed)");
    assertThat(NotificationText.of(WebhookEvent.CANCELLED, row("cancelled", 1, "cancelled", "by ops: wrong build")))
      .contains("cancelled at stage 2/3", "back on `0c7e2a11`", "by ops: wrong build");
    assertThat(NotificationText.of(WebhookEvent.FAILED, row("failed", 1, "error", "x".repeat(1000))))
      .hasSizeLessThan(500).doesNotContain("\n");
  }

  @Test
  @DisplayName(
    "a release Cloudflare starts refusing makes blocked once, with Cloudflare's code and message in the text")
  void blocked() {
    ReleaseRow.Blocked refusal = new ReleaseRow.Blocked(10021, 400, "bindings <changed>", Instant.EPOCH);
    ReleaseRow blocked = running(1).withBlocked(refusal);
    assertThat(Notifications.notices(running(1), blocked)).containsExactly(new Notice(WebhookEvent.BLOCKED, 1));
    assertThat(Notifications.notices(blocked, blocked)).isEmpty();
    assertThat(Notifications.notices(blocked, running(1))).isEmpty();
    ReleaseRow rollbackBlocked = row("rolled_back", 0, "slo_violation", "p99").withBlocked(refusal);
    assertThat(Notifications.notices(row("rolled_back", 0, "slo_violation", "p99"), rollbackBlocked))
      .containsExactly(new Notice(WebhookEvent.BLOCKED, 0));
    assertThat(NotificationText.of(WebhookEvent.BLOCKED, blocked)).isEqualTo(":warning: Release r_1 of Worker "
      + "*shop&lt;&amp;&gt;* is blocked: Cloudflare refuses to deploy stage 2/3 (50% on `5b9d0f3e`): code 10021 "
      + "(bindings &lt;changed&gt;); it is tried again until it is applied.");
    assertThat(NotificationText.of(WebhookEvent.BLOCKED, rollbackBlocked)).contains("its rollback to `0c7e2a11`");
    assertThat(WebhookEvent.RELEASE_EVENTS).contains(WebhookEvent.BLOCKED);
  }

  @Test
  @DisplayName(
    "signatures: whsec_ and 256 bits; HMAC-SHA256 of timestamp.body; any change to secret, time or body fails")
  void signatures() {
    String secret = Signatures.newSecret();
    assertThat(secret).matches("whsec_[A-Za-z0-9_-]{43}").isNotEqualTo(Signatures.newSecret());
    byte[] body = "{\"text\":\"hi\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String signature = Signatures.sign(secret, 1700000000L, body);
    assertThat(signature).matches("sha256=[0-9a-f]{64}");
    assertThat(Signatures.verify(secret, "1700000000", body, signature)).isTrue();
    assertThat(Signatures.verify(secret, "1700000001", body, signature)).isFalse();
    assertThat(Signatures.verify(Signatures.newSecret(), "1700000000", body, signature)).isFalse();
    assertThat(Signatures.verify(secret, "1700000000", "{\"text\":\"ho\"}".getBytes(), signature)).isFalse();
    assertThat(Signatures.verify(secret, "soon", body, signature)).isFalse();
    assertThat(Signatures.sign("whsec_test", 1700000000L, "{}".getBytes()))
      .isEqualTo("sha256=" + hmacHex("whsec_test", "1700000000.{}"));
    // the known answer of docs/notifications.md, for receivers in other languages to check their code against
    assertThat(Signatures.sign("whsec_test", 1700000000L, "{\"text\":\"hi\"}".getBytes()))
      .isEqualTo("sha256=add2fc7010ee7aa23f65449ce9240cd32763de7515ca26c43cd1e9d447a5361a");
  }

  static String hmacHex(String key, String message) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(), "HmacSHA256"));
      return java.util.HexFormat.of().formatHex(mac.doFinal(message.getBytes()));
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @DisplayName(
    "URL rules: absolute http(s), at most 2000 characters, no credentials or fragment; private addresses are told "
    + "apart")
  void urls() throws Exception {
    assertThat(OutboundUrls.problem("https://hooks.slack.com/services/T0/B0/x")).isEmpty();
    assertThat(OutboundUrls.problem("HTTP://localhost:8080/hook?x=1")).isEmpty();
    assertThat(OutboundUrls.problem("ftp://example.com")).isPresent();
    assertThat(OutboundUrls.problem("//example.com/x")).isPresent();
    assertThat(OutboundUrls.problem("https://a@example.com/x")).isPresent();
    assertThat(OutboundUrls.problem("https://example.com/" + "x".repeat(1981))).isPresent();
    assertThat(OutboundUrls.problem("https://example.com/" + "x".repeat(1980))).isEmpty();
    assertThat(OutboundUrls.redacted("https://hooks.slack.com/services/T0/B0/x")).isEqualTo("https://hooks.slack.com/…");
    assertThat(OutboundUrls.origin("http://localhost:8080/a/b?c")).isEqualTo("http://localhost:8080");
    assertThat(OutboundUrls.scrub("timed out executing POST /services/T0/B0/tok?x=1 for server h:1",
      "https://h:1/services/T0/B0/tok?x=1")).isEqualTo("timed out executing POST /… for server h:1");
    assertThat(OutboundUrls.scrub("bad https://h/a/b", "https://h/a/b")).isEqualTo("bad https://h/…");
    for (String address : new String[] {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
      "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "224.0.0.1"}) {
      assertThat(PublicAddresses.isPublic(java.net.InetAddress.getByName(address))).as(address).isFalse();
    }
    for (String address : new String[] {"1.1.1.1", "104.16.0.1", "2606:4700::1111", "172.32.0.1", "100.128.0.1"}) {
      assertThat(PublicAddresses.isPublic(java.net.InetAddress.getByName(address))).as(address).isTrue();
    }
  }

  @Test
  @DisplayName("a failed smoke test, a gate that said no and a revert each read as what happened")
  void controlsTexts() {
    assertThat(NotificationText.of(WebhookEvent.ROLLED_BACK, row("rolled_back", 0, "smoke_test_failed",
      "the smoke test failed at 0%; the new version never served real traffic: 3 of 3 answers were not as expected")))
      .startsWith(
        ":rotating_light: Release r_1 of Worker *shop&lt;&amp;&gt;* failed its smoke test: version `5b9d0f3e` "
        + "never served traffic, `0c7e2a11` still serves 100%: smoke_test_failed (")
      .doesNotContain("stage 1/3");
    assertThat(NotificationText.of(WebhookEvent.ROLLED_BACK, row("rolled_back", 2, "gate_failed",
      "gate 'qa' did not let stage 3 (100%) start: no 2xx within 30 s")))
      .startsWith(":no_entry: Release r_1 of Worker *shop&lt;&amp;&gt;* was stopped by a gate before stage 3/3 "
        + "(100% on `5b9d0f3e`), back on `0c7e2a11`: gate_failed (gate 'qa'");
    ReleaseRow revert = row("succeeded", 0, "completed", "reverted").withControls(new ReleaseRow.Controls(
      ReleaseRow.KIND_REVERT, "r_0", null, null));
    assertThat(NotificationText.of(WebhookEvent.STARTED, revert))
      .isEqualTo(":leftwards_arrow_with_hook: Release r_1 of Worker *shop&lt;&amp;&gt;* reverts release r_0: "
        + "version `5b9d0f3e` goes back to 100%, replacing `0c7e2a11`.");
    assertThat(NotificationText.of(WebhookEvent.SUCCEEDED, revert)).contains("reverted release r_0")
      .contains("`5b9d0f3e` serves 100% again");
  }
}
