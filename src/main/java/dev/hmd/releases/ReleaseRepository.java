package dev.hmd.releases;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.templates.SqlTemplate;
import io.vertx.sqlclient.templates.TupleMapper;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The releases table. Work is claimed with {@code FOR UPDATE SKIP LOCKED} and a lease, so several
 * processes share one database without driving a release twice; every write is conditional on
 * the row version it read, so the API (approve, cancel) and the scheduler never overwrite each
 * other's changes.
 */
public final class ReleaseRepository {

  /**
   * A claimed release: which one, whether another process held it before its lease ran out, and
   * its row, or (row null) why this build cannot read it.
   */
  public record Claimed(Key key, boolean takenOver, ReleaseRow row, UnreadableRelease unreadable) {
  }

  /** What identifies a release row at a version: read from any row, however corrupt the rest of it. */
  public record Key(String tenantId, String id, long rowVersion, String accountId, String workerName) {

    public static Key of(ReleaseRow row) {
      return new Key(row.tenantId(), row.id(), row.rowVersion(), row.accountId(), row.workerName());
    }

    static Key of(Row row) {
      return new Key(row.getString("tenant_id"), row.getString("id"), row.getLong("row_version"),
        row.getString("account_id"), row.getString("worker_name"));
    }
  }

  private static final String INSERT = """
    insert into releases (id, tenant_id, connection_id, account_id, worker_name, old_version_id, new_version_id,
      plan_revision, plan, state, current_stage_index, stages, outcome_code, outcome_message, started_at, finished_at,
      next_due_at, desired_split, applied_split, applied_deployment_id, next_check_at, kind, revert_of, controls,
      decisions)
    values (#{id}, #{tenantId}, #{connectionId}, #{accountId}, #{workerName}, #{oldVersionId}, #{newVersionId},
      #{planRevision}, #{plan}, #{state}, #{currentStageIndex}, #{stages}, #{outcomeCode}, #{outcomeMessage},
      #{startedAt}, #{finishedAt}, #{nextDueAt}, #{desiredSplit}, #{appliedSplit}, #{appliedDeploymentId},
      #{nextCheckAt}, #{kind}, #{revertOf}, #{controls}, #{decisions})
    returning """ + " " + ReleaseRow.COLUMNS;
  private static final String GET = "select " + ReleaseRow.COLUMNS + " from releases where tenant_id = $1 and id = $2";
  private static final String LIST = "select " + ReleaseRow.COLUMNS + " from releases where tenant_id = $1 "
    + "and ($2::text is null or connection_id = $2) and ($3::text is null or state = $3) "
    + "and ($4::timestamptz is null or (created_at, id) < ($4, $5)) "
    + "and ($6::timestamptz is null or created_at >= $6) and ($7::timestamptz is null or created_at < $7) "
    + "order by created_at desc, id desc limit $8";
  private static final String CLAIM = """
    update releases r set lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2)
    from (select id, lease_owner as previous_owner from releases
          where next_due_at <= now() and (lease_owner is null or lease_owner = $1 or lease_expires_at < now())
            and id not in (select unnest($4::text[]))
          order by next_due_at limit $3
          for update skip locked) due
    where r.id = due.id
    returning due.previous_owner, """ + " " + prefixed("r.");
  /** Leases renewed per statement. */
  public static final int RENEW_CHUNK = 500;
  private static final String RENEW = """
    update releases set lease_expires_at = now() + make_interval(secs => $2)
    where id in (select id from releases
                 where lease_owner = $1 and next_due_at is not null
                   and lease_expires_at < now() + make_interval(secs => $2) * 2 / 3
                 limit $3
                 for update skip locked)""";
  private static final String HELD_BY = "select id from releases where id in (select unnest($2::text[])) and "
    + "lease_owner = $1";
  private static final String RELEASE_LEASES = "update releases set lease_owner = null, lease_expires_at = null "
    + "where lease_owner = $1";
  /**
   * Ends a release this build cannot read: failed, outcome error, nothing more to do, the lease
   * given up. The split it wanted is dropped, not guessed (the Worker stays as it serves); an
   * outcome it had is kept in the message; nothing is left to be blocked. {@code $5}: the applied
   * split is what could not be read.
   */
  private static final String FAIL_UNREADABLE = """
    update releases set state = 'failed', outcome_code = 'error',
      outcome_message = case when outcome_code is null then $4
        else $4 || '; it had ended ' || state || ' (' || outcome_code || coalesce(': ' || outcome_message, '')
          || ')' end,
      finished_at = coalesce(finished_at, now()), next_due_at = null, next_check_at = null, desired_split = null,
      blocked = null,
      applied_split = case when $5 then null else applied_split end,
      lease_owner = null, lease_expires_at = null, row_version = row_version + 1
    where tenant_id = $1 and id = $2 and row_version = $3
    returning """ + " " + ReleaseRow.COLUMNS;
  private static final String SAVE = """
    update releases set state = #{state}, current_stage_index = #{currentStageIndex}, stages = #{stages},
      outcome_code = #{outcomeCode}, outcome_message = #{outcomeMessage}, started_at = #{startedAt},
      finished_at = #{finishedAt}, next_due_at = #{nextDueAt}, desired_split = #{desiredSplit},
      applied_split = #{appliedSplit}, applied_deployment_id = #{appliedDeploymentId}, next_check_at = #{nextCheckAt},
      checked_until = #{checkedUntil},
      consecutive_errors = #{consecutiveErrors}, baseline = #{baseline}, blocked = #{blocked},
      controls = #{controls}, decisions = #{decisions}, row_version = row_version + 1
    where tenant_id = #{tenantId} and id = #{id} and row_version = #{rowVersion}
    returning """ + " " + ReleaseRow.COLUMNS;
  /** A row's columns by the names of {@link #INSERT} and {@link #SAVE}; each takes the ones it names. */
  private static final TupleMapper<ReleaseRow> PARAMETERS = TupleMapper.mapper(ReleaseRepository::parameters);

  private final Pool pool;

  public ReleaseRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<ReleaseRow> insert(SqlClient tx, ReleaseRow r) {
    return SqlTemplate.forQuery(tx, INSERT).mapFrom(PARAMETERS).execute(r)
      .map(rows -> ReleaseRow.from(rows.iterator().next()));
  }

  public Future<Optional<ReleaseRow>> get(SqlClient client, String tenantId, String id) {
    return client.preparedQuery(GET).execute(Tuple.of(tenantId, id)).map(ReleaseRepository::first);
  }

  public Future<Optional<ReleaseRow>> get(String tenantId, String id) {
    return get(pool, tenantId, id);
  }

  /** Newest first; the cursor is the (createdAt, id) of the last row of the previous page. */
  public Future<List<ReleaseRow>> list(String tenantId, String connectionId, String state, Instant cursorTime,
                                       String cursorId, Instant from, Instant to, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.tuple(Arrays.asList(tenantId, connectionId, state, time(cursorTime),
        cursorId, time(from), time(to), limit)))
      .map(ReleaseRepository::all);
  }

  /** Claims up to {@code limit} due releases for {@code owner}. */
  public Future<List<Claimed>> claimDue(String owner, int leaseSeconds, int limit) {
    return claimDue(owner, leaseSeconds, limit, List.of());
  }

  /**
   * Claims up to {@code limit} due releases for {@code owner}, leaving out {@code skip}: the ones
   * the owner is stepping already. They are still due until their step saves, and claiming them
   * again would only rewrite their rows (and lock them against that very save) on every tick.
   * ({@code not in (select unnest(...))} is a hashed anti-join; {@code <> all(array)} compared every
   * due row with every id, hundreds of milliseconds with thousands in flight.)
   */
  public Future<List<Claimed>> claimDue(String owner, int leaseSeconds, int limit, java.util.Collection<String> skip) {
    Tuple params = Tuple.of(owner, leaseSeconds, limit, skip.toArray(String[]::new));
    return pool.preparedQuery(CLAIM).execute(params).map(rows -> {
      List<Claimed> claimed = new ArrayList<>(rows.size());
      for (Row row : rows) {
        String previous = row.getString("previous_owner");
        boolean takenOver = previous != null && !previous.equals(owner);
        try {
          claimed.add(new Claimed(Key.of(row), takenOver, ReleaseRow.from(row), null));
        } catch (UnreadableRelease e) {
          // one row this build cannot read must not cost the others their step
          claimed.add(new Claimed(Key.of(row), takenOver, null, e));
        }
      }
      return claimed;
    });
  }

  /**
   * Extends the lease of every release {@code owner} still has work on, leaving out those whose
   * lease has more than two thirds to run (claimed a moment ago): renewed every third of a lease,
   * a lease never gets within a third of its end, and a renewal rewrites only the rows that need
   * it rather than every row the process owns. Rows a save holds locked are skipped rather than
   * waited for: the renewal locks rows in scan order and a group commit in batch order, and
   * waiting let the two deadlock (at 10,000 releases, a batch of ~200 steps failed at once and
   * lag p99 went from 0.27 to 0.95 s); a skipped row is renewed a third of a lease later, or
   * sooner by its next claim. The rows go in chunks of {@value #RENEW_CHUNK}, each its own
   * statement, so that a save waits for a renewal's locks a few milliseconds, not the 200 ms one
   * statement over 5,000 rows took. Returns how many.
   */
  public Future<Integer> renewLeases(String owner, int leaseSeconds) {
    return renewChunks(owner, leaseSeconds, 0);
  }

  private Future<Integer> renewChunks(String owner, int leaseSeconds, int sofar) {
    return pool.preparedQuery(RENEW).execute(Tuple.of(owner, leaseSeconds, RENEW_CHUNK)).map(RowSet::rowCount)
      .compose(n -> n < RENEW_CHUNK ? Future.succeededFuture(sofar + n) : renewChunks(owner, leaseSeconds, sofar + n));
  }

  /** Which of {@code ids} {@code owner} still holds the lease of (run out or not). */
  public Future<Set<String>> heldBy(String owner, java.util.Collection<String> ids) {
    return pool.preparedQuery(HELD_BY).execute(Tuple.of(owner, ids.toArray(String[]::new))).map(rows -> {
      Set<String> held = new HashSet<>();
      rows.forEach(row -> held.add(row.getString(0)));
      return held;
    });
  }

  /** Gives every lease of {@code owner} up, so another process takes over at once. */
  public Future<Integer> releaseLeases(String owner) {
    return pool.preparedQuery(RELEASE_LEASES).execute(Tuple.of(owner)).map(RowSet::rowCount);
  }

  /**
   * Ends the release at {@code key} failed (see {@link #FAIL_UNREADABLE}) in the caller's
   * transaction, if it is still at the key's version; returns the stored row as it is now, or
   * empty when it moved meanwhile.
   */
  public Future<Optional<Row>> failUnreadable(SqlClient tx, Key key, String message, boolean clearApplied) {
    return tx.preparedQuery(FAIL_UNREADABLE)
      .execute(Tuple.of(key.tenantId(), key.id(), key.rowVersion(), message, clearApplied))
      .map(rows -> rows.size() == 0 ? Optional.<Row>empty() : Optional.of(rows.iterator().next()));
  }

  /**
   * Writes each row if it is still at its {@code rowVersion()} (empty when someone changed it
   * meanwhile), all in one round trip (one batch of the same prepared statement); the answers are
   * in the order of {@code rows}.
   */
  public Future<List<Optional<ReleaseRow>>> saveAll(SqlClient tx, List<ReleaseRow> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return SqlTemplate.forQuery(tx, SAVE).mapFrom(PARAMETERS).executeBatch(rows).map(first -> {
      List<Optional<ReleaseRow>> saved = new ArrayList<>(rows.size());
      for (RowSet<Row> result = first; result != null; result = result.next()) {
        saved.add(first(result));
      }
      return saved;
    });
  }

  private static Map<String, Object> parameters(ReleaseRow r) {
    Map<String, Object> p = new HashMap<>(32);
    p.put("id", r.id());
    p.put("tenantId", r.tenantId());
    p.put("connectionId", r.connectionId());
    p.put("accountId", r.accountId());
    p.put("workerName", r.workerName());
    p.put("oldVersionId", r.oldVersionId());
    p.put("newVersionId", r.newVersionId());
    p.put("planRevision", r.planRevision());
    p.put("plan", r.plan());
    p.put("state", r.state().wireName());
    p.put("currentStageIndex", r.currentStageIndex());
    p.put("stages", r.stages());
    p.put("outcomeCode", r.outcomeCode());
    p.put("outcomeMessage", r.outcomeMessage());
    p.put("startedAt", time(r.startedAt()));
    p.put("finishedAt", time(r.finishedAt()));
    p.put("nextDueAt", time(r.nextDueAt()));
    p.put("desiredSplit", r.desiredSplit() == null ? null : r.desiredSplit().toJson());
    p.put("appliedSplit", r.appliedSplit() == null ? null : r.appliedSplit().toJson());
    p.put("appliedDeploymentId", r.appliedDeploymentId());
    p.put("nextCheckAt", time(r.nextCheckAt()));
    p.put("checkedUntil", time(r.checkedUntil()));
    p.put("consecutiveErrors", r.consecutiveErrors());
    p.put("baseline", r.baseline());
    p.put("blocked", r.blocked() == null ? null : r.blocked().toJson());
    p.put("kind", r.controls().kind());
    p.put("revertOf", r.controls().revertOf());
    p.put("controls", r.controls().state());
    p.put("decisions", r.controls().decisions());
    p.put("rowVersion", r.rowVersion());
    return p;
  }

  private static Optional<ReleaseRow> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(ReleaseRow.from(rows.iterator().next()));
  }

  private static List<ReleaseRow> all(RowSet<Row> rows) {
    List<ReleaseRow> list = new ArrayList<>(rows.size());
    rows.forEach(row -> list.add(ReleaseRow.from(row)));
    return list;
  }

  private static OffsetDateTime time(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  private static String prefixed(String prefix) {
    return Arrays.stream(ReleaseRow.COLUMNS.split(", ")).map(c -> prefix + c).reduce((a, b) -> a + ", " + b)
      .orElseThrow();
  }
}
