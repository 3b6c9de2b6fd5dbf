package dev.hmd.slo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The part of a release's state that the release controls add (docs/engine.md, "Release
 * controls"): what holds the release besides its soak, and since when.
 *
 * @param waiting          the gates or the smoke test the release waits for before a stage starts; null when none
 * @param pausedAt         when a person paused the soak; null unless the release is {@code paused}
 * @param standby          the new version was deployed at 0% for the smoke test: a release that ends before
 *                         its first stage deploys the old version alone again
 * @param standbyAppliedAt when that 0% deployment was confirmed serving (overrides reach it a few seconds later)
 */
public record ControlState(Waiting waiting, Instant pausedAt, boolean standby, Instant standbyAppliedAt) {

  public static final ControlState NONE = new ControlState(null, null, false, null);

  /** What holds the release before stage {@code stageIndex} starts, since {@code since}. */
  public record Waiting(Kind kind, int stageIndex, Instant since, List<String> passedGates) {
    public Waiting {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(since, "since");
      passedGates = List.copyOf(passedGates);
    }

    public boolean forGates() {
      return kind != Kind.SMOKE_TEST;
    }

    Waiting passed(String gate) {
      List<String> passed = new ArrayList<>(passedGates);
      passed.add(gate);
      return new Waiting(kind, stageIndex, since, passed);
    }
  }

  /** What a release can wait for before a stage starts. */
  public enum Kind {
    /** The {@code before_start} gates, before anything is deployed. */
    START_GATES("start_gates"),
    /** The smoke test, with the new version deployed at 0%. */
    SMOKE_TEST("smoke_test"),
    /** The gates before a stage's split ({@code before_each_stage}, {@code before_promotion}). */
    STAGE_GATES("stage_gates");

    private final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    public static Optional<Kind> fromWireName(String name) {
      return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
    }
  }

  public ControlState withWaiting(Waiting next) {
    return new ControlState(next, pausedAt, standby, standbyAppliedAt);
  }

  public ControlState withPausedAt(Instant at) {
    return new ControlState(waiting, at, standby, standbyAppliedAt);
  }

  ControlState withStandby(boolean deployed, Instant appliedAt) {
    return new ControlState(waiting, pausedAt, deployed, appliedAt);
  }

  /** As stored in the release row; times are RFC 3339 strings or null. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    if (waiting != null) {
      Map<String, Object> w = new LinkedHashMap<>();
      w.put("kind", waiting.kind().wireName());
      w.put("stageIndex", waiting.stageIndex());
      w.put("since", waiting.since().toString());
      w.put("passedGates", new ArrayList<>(waiting.passedGates()));
      map.put("waiting", w);
    } else {
      map.put("waiting", null);
    }
    map.put("pausedAt", pausedAt == null ? null : pausedAt.toString());
    map.put("standby", standby);
    map.put("standbyAppliedAt", standbyAppliedAt == null ? null : standbyAppliedAt.toString());
    return map;
  }

  /** Reads what {@link #toMap()} wrote (null or empty: {@link #NONE}); throws on anything else. */
  public static ControlState fromMap(Map<String, ?> map) {
    if (map == null || map.isEmpty()) {
      return NONE;
    }
    Waiting waiting = null;
    if (map.get("waiting") instanceof Map<?, ?> w) {
      Kind kind = Kind.fromWireName(String.valueOf(w.get("kind")))
        .orElseThrow(() -> new IllegalArgumentException("waiting.kind " + w.get("kind") + " is unknown"));
      if (!(w.get("stageIndex") instanceof Number index)) {
        throw new IllegalArgumentException("waiting.stageIndex is " + w.get("stageIndex") + ", not a number");
      }
      List<String> passed = new ArrayList<>();
      if (w.get("passedGates") instanceof List<?> list) {
        list.forEach(g -> passed.add(String.valueOf(g)));
      } else if (w.get("passedGates") != null) {
        throw new IllegalArgumentException("waiting.passedGates is not a list");
      }
      waiting = new Waiting(kind, index.intValue(), instant(w.get("since"), "waiting.since"), passed);
    } else if (map.get("waiting") != null) {
      throw new IllegalArgumentException("waiting is not an object");
    }
    Object standby = map.get("standby");
    if (standby != null && !(standby instanceof Boolean)) {
      throw new IllegalArgumentException("standby is " + standby + ", not true or false");
    }
    return new ControlState(waiting, instant(map.get("pausedAt"), "pausedAt"), Boolean.TRUE.equals(standby),
      instant(map.get("standbyAppliedAt"), "standbyAppliedAt"));
  }

  private static Instant instant(Object value, String field) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException(field + " is " + value + ", not a time");
    }
    return Instant.parse(text);
  }
}
