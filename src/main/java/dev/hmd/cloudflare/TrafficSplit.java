package dev.hmd.cloudflare;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which versions of a Worker serve and with what share: what a deployment serves, what a release
 * wants and what it last saw applied. The one place that says when two splits are the same
 * traffic. Stored and shown as {@code [{versionId, percentage}]}.
 */
public record TrafficSplit(List<VersionSplit> versions) {

  public TrafficSplit {
    versions = List.copyOf(versions);
  }

  /** New {@code newPercent}%, old the rest; a version at 0% is left out (Cloudflare serves the same either way). */
  public static TrafficSplit between(String newVersionId, String oldVersionId, int newPercent) {
    if (newPercent < 0 || newPercent > 100) {
      throw new IllegalArgumentException("newPercent must be within 0..100, was " + newPercent);
    }
    List<VersionSplit> versions = new ArrayList<>(2);
    if (newPercent > 0) {
      versions.add(new VersionSplit(newVersionId, newPercent));
    }
    if (newPercent < 100) {
      versions.add(new VersionSplit(oldVersionId, 100 - newPercent));
    }
    return new TrafficSplit(versions);
  }

  /**
   * The new version at 0% beside the old one at 100%: it serves no traffic, but a request naming it
   * in {@code Cloudflare-Workers-Version-Overrides} reaches it (Cloudflare honours an override
   * only for a version of the serving deployment). The smoke test's split.
   */
  public static TrafficSplit standby(String newVersionId, String oldVersionId) {
    return new TrafficSplit(List.of(new VersionSplit(newVersionId, 0), new VersionSplit(oldVersionId, 100)));
  }

  /**
   * The same deployment, as far as a release cares: the same traffic and, when either lists a
   * version at 0%, the same versions listed. A version at 0% serves nothing, but a version
   * override reaches it only while it is listed.
   */
  public boolean sameDeployment(TrafficSplit other) {
    if (!sameTraffic(other)) {
      return false;
    }
    boolean standby = versions.stream().anyMatch(v -> v.percentage() == 0)
      || other.versions.stream().anyMatch(v -> v.percentage() == 0);
    return !standby || listed().equals(other.listed());
  }

  private java.util.Set<String> listed() {
    java.util.Set<String> ids = new java.util.HashSet<>();
    versions.forEach(v -> ids.add(v.versionId()));
    return ids;
  }

  /**
   * The same traffic: equal shares per version, 0% entries ignored (a version listed at 0% serves
   * nothing, as one not listed). Nothing is the same traffic as null.
   */
  public boolean sameTraffic(TrafficSplit other) {
    return other != null && shares().equals(other.shares());
  }

  /** The share {@code versionId} receives, 0 when it is not part of the split. */
  public int percentOf(String versionId) {
    return versions.stream().filter(v -> v.versionId().equals(versionId)).mapToInt(VersionSplit::percentage).sum();
  }

  private Map<String, Integer> shares() {
    Map<String, Integer> shares = new HashMap<>();
    versions.stream().filter(v -> v.percentage() > 0)
      .forEach(v -> shares.merge(v.versionId(), v.percentage(), Integer::sum));
    return shares;
  }

  public JsonArray toJson() {
    JsonArray json = new JsonArray();
    versions.forEach(v -> json.add(new JsonObject().put("versionId", v.versionId()).put("percentage", v.percentage())));
    return json;
  }

  /**
   * Reads what {@link #toJson()} wrote. A malformed entry throws an {@link IllegalArgumentException}
   * naming it ({@code [1].percentage ...}), for the caller to prefix with where the JSON came from.
   */
  public static TrafficSplit fromJson(JsonArray json) {
    List<VersionSplit> versions = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      if (!(json.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException("[" + i + "] is " + quote(json.getValue(i)) + ", not an object");
      }
      Object versionId = entry.getValue("versionId");
      if (!(versionId instanceof String id) || id.isEmpty()) {
        throw new IllegalArgumentException("[" + i + "].versionId is " + quote(versionId) + ", not a version id");
      }
      Object percentage = entry.getValue("percentage");
      if (!(percentage instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 0
        || n.intValue() > 100) {
        throw new IllegalArgumentException("[" + i + "].percentage is " + quote(percentage)
          + ", not an integer 0..100");
      }
      versions.add(new VersionSplit(id, n.intValue()));
    }
    return new TrafficSplit(versions);
  }

  private static String quote(Object value) {
    return value instanceof String text ? "'" + text + "'" : String.valueOf(value);
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
