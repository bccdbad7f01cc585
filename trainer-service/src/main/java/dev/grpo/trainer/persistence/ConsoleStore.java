package dev.grpo.trainer.persistence;

import dev.grpo.trainer.console.GroupRow;
import dev.grpo.trainer.console.RecordRef;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's reads and its index of the log ({@code record_index}), in plain JDBC: the indexer
 * writes from its own thread, and every query here is a small aggregate the entities do not need.
 */
@ApplicationScoped
public class ConsoleStore {
  private final AgroalDataSource db;

  public ConsoleStore(AgroalDataSource db) {
    this.db = db;
  }

  /** Adds index entries; an entry already there (a re-read after restart) is kept as it is. */
  public void index(List<RecordRef> refs) {
    if (refs.isEmpty()) {
      return;
    }
    try (Connection c = db.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "insert into record_index (topic, partition_no, record_offset, group_id,"
                    + " record_time, stage, reason, producer) values (?,?,?,?,?,?,?,?) on conflict"
                    + " do nothing")) {
      for (var r : refs) {
        s.setString(1, r.topic());
        s.setInt(2, r.partition());
        s.setLong(3, r.offset());
        s.setString(4, r.groupId());
        s.setTimestamp(5, Timestamp.from(r.timestamp()));
        s.setString(6, r.stage());
        s.setString(7, r.reason());
        s.setString(8, r.producer());
        s.addBatch();
      }
      s.executeBatch();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write the record index: " + e.getMessage(), e);
    }
  }

  /** The next offset to index per topic and partition (one past the highest indexed). */
  public Map<String, Map<Integer, Long>> nextOffsets() {
    var out = new HashMap<String, Map<Integer, Long>>();
    query(
        "select topic, partition_no, max(record_offset) from record_index group by 1, 2",
        List.of(),
        rs ->
            out.computeIfAbsent(rs.getString(1), t -> new HashMap<>())
                .put(rs.getInt(2), rs.getLong(3) + 1));
    return out;
  }

  /** Every indexed record of a group, in log order per topic. */
  public List<RecordRef> records(String groupId) {
    var out = new ArrayList<RecordRef>();
    query(
        "select group_id, topic, partition_no, record_offset, record_time, stage, reason, producer"
            + " from record_index where group_id = ? order by record_time, topic, record_offset",
        List.of(groupId),
        rs -> out.add(ref(rs)));
    return out;
  }

  /** The newest dead letters, newest first. */
  public List<RecordRef> recentDeadLetters(int limit) {
    var out = new ArrayList<RecordRef>();
    query(
        "select group_id, topic, partition_no, record_offset, record_time, stage, reason, producer"
            + " from record_index where topic = 'grpo.dlq' order by record_time desc limit ?",
        List.of(limit),
        rs -> out.add(ref(rs)));
    return out;
  }

  /** Dead letters counted by stage and reason kind (the reason's text before its first colon). */
  public List<Map<String, Object>> deadLettersByStageAndReason() {
    var out = new ArrayList<Map<String, Object>>();
    query(
        "select coalesce(stage, '?'), coalesce(split_part(reason, ':', 1), ''), count(*)"
            + " from record_index where topic = 'grpo.dlq' group by 1, 2 order by 3 desc",
        List.of(),
        rs ->
            out.add(
                Map.of(
                    "stage", rs.getString(1), "reason", rs.getString(2), "count", rs.getLong(3))));
    return out;
  }

  /** Groups still in flight, counted by the policy version they were issued under. */
  public Map<Long, Long> inFlightByVersion(String runId) {
    var out = new LinkedHashMap<Long, Long>();
    query(
        "select issued_version, count(*) from prompt_group where run_id = ? and state = 'ISSUED'"
            + " group by 1 order by 1",
        List.of(runId),
        rs -> out.put(rs.getLong(1), rs.getLong(2)));
    return out;
  }

  /**
   * Trained groups counted by staleness: the version in force when their step ran (the newest
   * version published before that step) minus the version that sampled them.
   */
  public Map<Long, Long> stalenessOfTrained(String runId) {
    var out = new LinkedHashMap<Long, Long>();
    query(
        "select greatest(0, (select max(v.version) from policy_version v where v.run_id = g.run_id"
            + " and v.step < g.trained_step) - g.rollout_version) as s, count(*)"
            + " from prompt_group g where g.run_id = ? and g.state = 'TRAINED'"
            + " and g.rollout_version is not null group by 1 order by 1",
        List.of(runId),
        rs -> out.put(rs.getLong(1), rs.getLong(2)));
    return out;
  }

  /** One group's row. */
  public Optional<GroupRow> group(String groupId) {
    var out = new ArrayList<GroupRow>();
    query(GROUP_SELECT + " where group_id = ?", List.of(groupId), rs -> out.add(row(rs)));
    return out.stream().findFirst();
  }

  /** The groups trained at a step, or issued for it when none was trained there yet. */
  public List<GroupRow> groupsOfStep(String runId, int step) {
    var out = new ArrayList<GroupRow>();
    query(
        GROUP_SELECT
            + " where run_id = ? and (trained_step = ? or (trained_step is null and"
            + " issued_for_step = ?)) order by prompt_index",
        List.of(runId, step, step),
        rs -> out.add(row(rs)));
    return out;
  }

  /** Groups whose id contains the text, newest first, at most {@code limit}. */
  public List<GroupRow> searchGroups(String text, int limit) {
    var out = new ArrayList<GroupRow>();
    query(
        GROUP_SELECT + " where group_id like ? order by issued_at desc limit ?",
        List.of("%" + text.replace("%", "") + "%", limit),
        rs -> out.add(row(rs)));
    return out;
  }

  private static final String GROUP_SELECT =
      "select group_id, run_id, prompt_id, prompt_index, issued_for_step, issued_version, state,"
          + " drop_reason, trained_step, rollout_version, issued_at, decided_at from prompt_group";

  private static GroupRow row(ResultSet rs) throws SQLException {
    int trained = rs.getInt(9);
    Integer trainedStep = rs.wasNull() ? null : trained;
    long rv = rs.getLong(10);
    Long rolloutVersion = rs.wasNull() ? null : rv;
    return new GroupRow(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getLong(4),
        rs.getInt(5),
        rs.getLong(6),
        rs.getString(7),
        rs.getString(8),
        trainedStep,
        rolloutVersion,
        instant(rs.getTimestamp(11)),
        instant(rs.getTimestamp(12)));
  }

  private static RecordRef ref(ResultSet rs) throws SQLException {
    return new RecordRef(
        rs.getString(1),
        rs.getString(2),
        rs.getInt(3),
        rs.getLong(4),
        instant(rs.getTimestamp(5)),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private void query(String sql, List<Object> params, RowReader reader) {
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < params.size(); i++) {
        s.setObject(i + 1, params.get(i));
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          reader.read(rs);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("console query failed: " + e.getMessage(), e);
    }
  }
}
