package dev.hmd.releases;

import dev.hmd.cloudflare.VersionSplit;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Traffic splits as stored ({@code [{versionId, percentage}]}) and as sent to Cloudflare. */
public final class Splits {

  private Splits() {
  }

  /** New P%, old the rest; a version at 0% is left out (Cloudflare serves the same either way). */
  public static JsonArray wanted(String newVersionId, String oldVersionId, int newPercent) {
    JsonArray split = new JsonArray();
    if (newPercent > 0) {
      split.add(entry(newVersionId, newPercent));
    }
    if (newPercent < 100) {
      split.add(entry(oldVersionId, 100 - newPercent));
    }
    return split;
  }

  public static JsonArray of(List<VersionSplit> versions) {
    JsonArray split = new JsonArray();
    versions.forEach(v -> split.add(entry(v.versionId(), v.percentage())));
    return split;
  }

  public static List<VersionSplit> toVersions(JsonArray split) {
    List<VersionSplit> versions = new ArrayList<>();
    for (int i = 0; i < split.size(); i++) {
      JsonObject v = split.getJsonObject(i);
      versions.add(new VersionSplit(v.getString("versionId"), v.getInteger("percentage")));
    }
    return versions;
  }

  /** The same traffic: equal shares per version, 0% entries ignored; null equals only null. */
  public static boolean same(JsonArray a, JsonArray b) {
    if (a == null || b == null) {
      return a == b;
    }
    return shares(a).equals(shares(b));
  }

  private static Map<String, Integer> shares(JsonArray split) {
    Map<String, Integer> shares = new HashMap<>();
    for (int i = 0; i < split.size(); i++) {
      JsonObject v = split.getJsonObject(i);
      int percentage = v.getInteger("percentage");
      if (percentage > 0) {
        shares.merge(v.getString("versionId"), percentage, Integer::sum);
      }
    }
    return shares;
  }

  private static JsonObject entry(String versionId, int percentage) {
    return new JsonObject().put("versionId", versionId).put("percentage", percentage);
  }
}
