package dev.grpo.reward.join;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.ExternalPart;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.contracts.RewardPart;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.SourceRecord;
import dev.grpo.contracts.Topics;
import dev.grpo.reward.http.HttpScorerClient;
import dev.grpo.reward.join.JoinState.Coordinates;
import dev.grpo.reward.join.JoinState.StoredPart;
import dev.grpo.rewardapi.InvalidRewardSpecException;
import dev.grpo.rewards.PartJoin;
import dev.grpo.rewards.PartJoin.PartScores;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * The join, one instance per stream task (partition): rollout groups whose spec names external
 * parts, and the parts of {@code grpo.reward-parts}, meet here by groupId. A group is emitted once,
 * as a {@link ScoredGroup} (every topic part arrived, or the missing ones timed out with {@code
 * onTimeout: zero}) or as a dead letter (a missing part with {@code onTimeout: drop}). Everything
 * it does to stores and sinks commits with the input offsets (exactly_once_v2).
 *
 * <p>Records it leaves alone: rollout records that do not decode or whose spec is built-in only
 * (the direct path, {@code messaging.RolloutConsumer}, owns those). Parts that cannot be used are
 * dead-lettered ({@link DeadLetters#REWARD_PART}) with the reason: undecodable, a checker that is
 * not a topic part of the spec, a score count that does not fit, an unknown groupId after {@code
 * unknownGroupWaitMillis}, or late (the group was already emitted). A duplicate part (same groupId
 * and checker) is ignored: the first one counts.
 */
final class PartJoinProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  private static final Logger LOG = Logger.getLogger(PartJoinProcessor.class);

  static final String GROUPS_STORE = "join-groups";
  static final String ROLLOUTS_STORE = "join-rollouts";
  static final String EMITTED_STORE = "join-emitted";
  static final String EXPIRY_STORE = "join-expiry";
  static final String SCORED_SINK = "scored-sink";
  static final String PARTS_SINK = "parts-sink";
  static final String DLQ_SINK = "dlq-sink";

  /** Settings of the join. */
  record Settings(long unknownGroupWaitMillis, long punctuateMillis, int maxRecordBytes) {}

  private final JoinScoring scoring;
  private final JoinEvents events;
  private final DeadLetters deadLetters;
  private final Settings settings;
  private final JoinTracing tracing;

  /** The headers of the record being processed (empty during a punctuation). */
  private Headers current = new RecordHeaders();

  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<String, byte[]> groups;
  private KeyValueStore<String, byte[]> rollouts;

  /** groupId -> when it was emitted (8 bytes): a later part is late, not unknown. */
  private KeyValueStore<String, byte[]> emitted;

  /** "%016d emittedMillis|groupId" -> nothing: the emitted markers in expiry order. */
  private KeyValueStore<String, byte[]> expiry;

  PartJoinProcessor(
      JoinScoring scoring, JoinEvents events, DeadLetters deadLetters, Settings settings) {
    this(scoring, events, deadLetters, settings, JoinTracing.NONE);
  }

  PartJoinProcessor(
      JoinScoring scoring,
      JoinEvents events,
      DeadLetters deadLetters,
      Settings settings,
      JoinTracing tracing) {
    this.tracing = tracing;
    this.scoring = scoring;
    this.events = events;
    this.deadLetters = deadLetters;
    this.settings = settings;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.groups = context.getStateStore(GROUPS_STORE);
    this.rollouts = context.getStateStore(ROLLOUTS_STORE);
    this.emitted = context.getStateStore(EMITTED_STORE);
    this.expiry = context.getStateStore(EXPIRY_STORE);
    context.schedule(
        Duration.ofMillis(settings.punctuateMillis()),
        PunctuationType.WALL_CLOCK_TIME,
        this::punctuate);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    var meta = context.recordMetadata().orElseThrow();
    var source =
        new SourceRecord(
            meta.topic(), meta.partition(), meta.offset(), record.key(), record.value());
    current = record.headers() == null ? new RecordHeaders() : record.headers();
    try {
      if (Topics.ROLLOUTS.equals(meta.topic())) {
        onRollout(source);
      } else {
        onPart(source);
      }
    } finally {
      current = new RecordHeaders();
    }
  }

  private long now() {
    return context.currentSystemTimeMs();
  }

  // ---- rollouts ----------------------------------------------------------------------------

  private void onRollout(SourceRecord source) {
    if (source.value() == null) {
      return;
    }
    RolloutGroup group;
    try {
      group = EventJson.fromBytes(source.value(), RolloutGroup.class);
    } catch (EventFormatException e) {
      return; // the direct path dead-letters it
    }
    var spec = group.task().rewardSpec();
    if (spec.isBuiltInOnly()) {
      return;
    }
    String groupId = group.groupId();
    JoinState state = load(groupId);
    if (state != null && (state.rolloutSeen() || state.emitted())) {
      LOG.debugf("rollout group %s seen again at %s, ignored", groupId, source.coordinates());
      return;
    }
    try {
      scoring.validate(group);
    } catch (InvalidRewardSpecException e) {
      deadLetter(source, DeadLetters.REWARD_SCORE, "task." + e.getMessage());
      if (state != null) {
        rejectAll(groupId, state, "its group's reward spec is invalid: task." + e.getMessage());
      }
      markEmitted(groupId, state == null ? JoinState.firstPart(now()) : state);
      return;
    }
    long now = now();
    var own = spec.httpParts().stream().map(CheckerSpec::name).toList();
    var next =
        (state == null ? JoinState.firstPart(now) : state)
            .withRollout(
                now,
                new Coordinates(source.topic(), source.partition(), source.offset()),
                own,
                GroupTracing.carrier(GroupTracing.extract(current)));
    // Parts that came before their group are checked now that the group is known.
    for (var e : List.copyOf(next.parts().entrySet())) {
      String problem = problem(group, decodePart(e.getValue().value()));
      if (problem != null) {
        deadLetter(partSource(groupId, e.getValue()), DeadLetters.REWARD_PART, problem);
        next = next.withoutPart(e.getKey());
      }
    }
    rollouts.put(groupId, source.value());
    // HTTP parts: one call per group, bounded by the part's timeoutMillis; published as parts.
    for (var part : spec.httpParts()) {
      next = scoreOverHttp(group, part, next);
      if (next.emitted()) {
        return; // dropped by onTimeout: drop
      }
    }
    if (missingTopicParts(group, next).isEmpty()) {
      emit(group, next, Map.of());
    } else {
      save(groupId, next);
    }
  }

  private JoinState scoreOverHttp(RolloutGroup group, CheckerSpec part, JoinState state) {
    var outcome = scoring.http(group, part);
    PartScores scores;
    if (outcome instanceof HttpScorerClient.Result.Scored s) {
      scores = s.scores();
    } else {
      String reason =
          "http part '" + part.name() + "': " + ((HttpScorerClient.Result.Failed) outcome).reason();
      events.partTimedOut(part.name());
      if (part.external().onTimeout() == ExternalPart.OnTimeout.DROP) {
        dropGroup(group, state, reason + " (onTimeout drop)");
        return state.emittedAt(now());
      }
      scores = PartScores.zero(group.completions().size(), reason);
    }
    var published =
        new RewardPart(
            Contracts.SCHEMA_VERSION,
            group.runId(),
            group.groupId(),
            part.name(),
            scores.scores(),
            scores.reasons());
    byte[] value = EventJson.toBytes(published);
    context.forward(
        new Record<>(
            group.groupId().getBytes(StandardCharsets.UTF_8),
            value,
            now(),
            signed(GroupTracing.extract(state.trace()))),
        PARTS_SINK);
    return state.withPart(part.name(), new StoredPart(null, value));
  }

  // ---- parts -------------------------------------------------------------------------------

  private void onPart(SourceRecord source) {
    if (source.value() == null) {
      deadLetter(
          source,
          DeadLetters.REWARD_PART,
          "record has no value (tombstone); expected a RewardPart");
      return;
    }
    RewardPart part;
    try {
      part = EventJson.fromBytes(source.value(), RewardPart.class);
    } catch (EventFormatException e) {
      deadLetter(source, DeadLetters.REWARD_PART, e.getMessage());
      return;
    }
    String groupId = part.groupId();
    if (source.key() != null && !groupId.equals(source.keyText())) {
      deadLetter(
          source,
          DeadLetters.REWARD_PART,
          "record key must equal groupId (parts are co-partitioned with their group by it), was '"
              + source.keyText()
              + "' for groupId '"
              + groupId
              + "'");
      return;
    }
    JoinState state = load(groupId);
    if (state != null && state.ownParts().contains(part.checker())) {
      return; // our own HTTP part read back
    }
    if (state != null && state.emitted()) {
      events.latePart();
      deadLetter(
          source,
          DeadLetters.REWARD_PART,
          "late part '"
              + part.checker()
              + "' for group '"
              + groupId
              + "': the group was emitted at "
              + Instant.ofEpochMilli(state.emittedMillis())
              + ", "
              + (now() - state.emittedMillis())
              + " ms before the part arrived");
      return;
    }
    if (state != null && state.parts().containsKey(part.checker())) {
      LOG.debugf("duplicate part %s of %s ignored", part.checker(), groupId);
      return;
    }
    partSpan(groupId, part);
    var stored =
        new StoredPart(
            new Coordinates(source.topic(), source.partition(), source.offset()), source.value());
    if (state == null || !state.rolloutSeen()) {
      save(
          groupId,
          (state == null ? JoinState.firstPart(now()) : state).withPart(part.checker(), stored));
      return;
    }
    RolloutGroup group = rollout(groupId);
    String problem = problem(group, part);
    if (problem != null) {
      deadLetter(source, DeadLetters.REWARD_PART, problem);
      return;
    }
    var next = state.withPart(part.checker(), stored);
    if (missingTopicParts(group, next).isEmpty()) {
      emit(group, next, Map.of());
    } else {
      save(groupId, next);
    }
  }

  /** Why {@code part} cannot count for {@code group}, or null. */
  private static String problem(RolloutGroup group, RewardPart part) {
    if (part == null) {
      return "part is not a valid RewardPart";
    }
    var names = group.task().rewardSpec().topicParts().stream().map(CheckerSpec::name).toList();
    if (!names.contains(part.checker())) {
      return "checker '"
          + part.checker()
          + "' is not a topic part of group '"
          + group.groupId()
          + "' (its spec's topic parts: "
          + names
          + ")";
    }
    if (!part.runId().equals(group.runId())) {
      return "runId must be the group's '" + group.runId() + "', was '" + part.runId() + "'";
    }
    String fit =
        PartJoin.problem(new PartScores(part.scores(), part.reasons()), group.completions().size());
    return fit == null
        ? null
        : "part '" + part.checker() + "' of group '" + group.groupId() + "': " + fit;
  }

  // ---- timeouts ----------------------------------------------------------------------------

  private void punctuate(long now) {
    // Emitted markers expire in time order: a range scan that stops at the first one still kept.
    var expired = new ArrayList<String>();
    try (var it =
        expiry.range(
            expiryKey(0, ""), expiryKey(now - settings.unknownGroupWaitMillis(), "\uffff"))) {
      while (it.hasNext()) {
        expired.add(it.next().key);
      }
    }
    for (String key : expired) {
      expiry.delete(key);
      emitted.delete(key.substring(key.indexOf('|') + 1));
    }
    var due = new ArrayList<KeyValue<String, JoinState>>();
    try (var it = groups.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        due.add(KeyValue.pair(kv.key, JoinState.fromBytes(kv.value)));
      }
    }
    for (var kv : due) {
      String groupId = kv.key;
      JoinState state = kv.value;
      if (!state.rolloutSeen()) {
        if (now - state.firstSeenMillis() >= settings.unknownGroupWaitMillis()) {
          rejectAll(
              groupId,
              state,
              "unknown groupId '"
                  + groupId
                  + "': no rollout group naming external parts arrived within "
                  + settings.unknownGroupWaitMillis()
                  + " ms (grpo.reward.join.unknown-group-wait-millis)");
          groups.delete(groupId);
        }
      } else {
        timeOut(rollout(groupId), state, now);
      }
    }
  }

  private void timeOut(RolloutGroup group, JoinState state, long now) {
    long waited = now - state.rolloutSeenMillis();
    var missing = missingTopicParts(group, state);
    var expired = missing.stream().filter(p -> waited >= p.external().timeoutMillis()).toList();
    if (expired.isEmpty()) {
      return;
    }
    expired.forEach(p -> events.partTimedOut(p.name()));
    var drop =
        expired.stream()
            .filter(p -> p.external().onTimeout() == ExternalPart.OnTimeout.DROP)
            .findFirst();
    if (drop.isPresent()) {
      dropGroup(
          group,
          state,
          "part '"
              + drop.get().name()
              + "' did not arrive within "
              + drop.get().external().timeoutMillis()
              + " ms (onTimeout drop)");
      return;
    }
    if (expired.size() < missing.size()) {
      return; // another part may still come
    }
    var zeros = new LinkedHashMap<String, PartScores>();
    for (var p : expired) {
      zeros.put(
          p.name(),
          PartScores.zero(
              group.completions().size(),
              "timeout: no part '"
                  + p.name()
                  + "' within "
                  + p.external().timeoutMillis()
                  + " ms (onTimeout zero)"));
    }
    emit(group, state, zeros);
  }

  // ---- output ------------------------------------------------------------------------------

  private void emit(RolloutGroup group, JoinState state, Map<String, PartScores> missing) {
    var parts = new LinkedHashMap<String, PartScores>(missing);
    for (var e : state.parts().entrySet()) {
      var part = decodePart(e.getValue().value());
      parts.put(e.getKey(), new PartScores(part.scores(), part.reasons()));
    }
    var scores = PartJoin.join(group.task().rewardSpec(), scoring.builtIns(group), parts);
    long now = now();
    var scored =
        new ScoredGroup(
            Contracts.SCHEMA_VERSION,
            group.runId(),
            group.groupId(),
            group,
            scores,
            Math.max(0, now - state.rolloutSeenMillis()));
    byte[] json = EventJson.toBytes(scored);
    Span span = joinSpan(group, state);
    if (json.length > settings.maxRecordBytes()) {
      span.setStatus(StatusCode.ERROR, DeadLetters.REWARD_PUBLISH).end();
      deadLetter(
          rolloutSource(group.groupId(), state),
          GroupTracing.of(span),
          DeadLetters.REWARD_PUBLISH,
          "scored group is "
              + json.length
              + " bytes, over the record limit of "
              + settings.maxRecordBytes()
              + " bytes (grpo.reward.max-record-bytes)");
    } else {
      span.end();
      context.forward(
          new Record<>(
              group.groupId().getBytes(StandardCharsets.UTF_8),
              json,
              now,
              signed(GroupTracing.of(span))),
          SCORED_SINK);
      events.scored(scored);
    }
    markEmitted(group.groupId(), state);
  }

  private void dropGroup(RolloutGroup group, JoinState state, String reason) {
    Span span = joinSpan(group, state);
    span.setStatus(StatusCode.ERROR, DeadLetters.REWARD_JOIN).end();
    deadLetter(
        rolloutSource(group.groupId(), state),
        GroupTracing.of(span),
        DeadLetters.REWARD_JOIN,
        reason);
    markEmitted(group.groupId(), state);
  }

  private void rejectAll(String groupId, JoinState state, String reason) {
    for (var part : state.parts().values()) {
      if (part.from() != null) {
        deadLetter(partSource(groupId, part), DeadLetters.REWARD_PART, reason);
      }
    }
  }

  /** A dead letter of the record being processed, continuing its trace. */
  private void deadLetter(SourceRecord source, String stage, String reason) {
    deadLetter(source, GroupTracing.extract(current), stage, reason);
  }

  private void deadLetter(SourceRecord source, Context trace, String stage, String reason) {
    var letter = deadLetters.letter(source, stage, reason);
    var headers = new RecordHeaders(letter.headers().toArray());
    GroupTracing.inject(trace, headers);
    ProducerHeader.set(headers, tracing.instanceId());
    context.forward(new Record<>(letter.key(), letter.value(), now(), headers), DLQ_SINK);
    events.deadLettered(stage, letter.envelope().reason());
  }

  // ---- traces -----------------------------------------------------------------------------

  /** Headers for a record the join writes: {@code trace} and this instance as producer. */
  private Headers signed(Context trace) {
    var headers = GroupTracing.inject(trace, new RecordHeaders());
    return ProducerHeader.set(headers, tracing.instanceId());
  }

  /**
   * The join's span of a group, child of the rollout worker's span its record carried, from the
   * rollout's arrival here to its emission; the caller ends it.
   */
  private Span joinSpan(RolloutGroup group, JoinState state) {
    var start = state.rolloutSeenMillis() == null ? now() : state.rolloutSeenMillis();
    return GroupTracing.span(
            tracing.tracer(),
            GroupTracing.JOIN_SPAN,
            SpanKind.CONSUMER,
            GroupTracing.extract(state.trace()),
            group.runId(),
            group.groupId())
        .setStartTimestamp(start, TimeUnit.MILLISECONDS)
        .setAttribute(INSTANCE_ID, tracing.instanceId() == null ? "" : tracing.instanceId())
        .setAttribute(PARTS, (long) state.parts().size())
        .startSpan();
  }

  /** A part consumed from the topic: a short span in the trace its record carried. */
  private void partSpan(String groupId, RewardPart part) {
    GroupTracing.span(
            tracing.tracer(),
            GroupTracing.PART_SPAN,
            SpanKind.CONSUMER,
            GroupTracing.extract(current),
            part.runId(),
            groupId)
        .setAttribute(CHECKER, part.checker())
        .setAttribute(PART_PRODUCER, ProducerHeader.of(current).orElse(""))
        .startSpan()
        .end();
  }

  private static final AttributeKey<String> INSTANCE_ID =
      AttributeKey.stringKey("grpo.reward.instance.id");
  private static final AttributeKey<Long> PARTS = AttributeKey.longKey("grpo.reward.parts");
  private static final AttributeKey<String> CHECKER = AttributeKey.stringKey("grpo.checker");
  private static final AttributeKey<String> PART_PRODUCER =
      AttributeKey.stringKey("grpo.part.producer");

  // ---- stores ------------------------------------------------------------------------------

  /**
   * The group is done: its state and record go, a small marker stays (in {@code join-emitted}, so
   * the timeout scan only ever walks the groups in flight) until {@code unknownGroupWaitMillis}.
   */
  private void markEmitted(String groupId, JoinState state) {
    long now = now();
    rollouts.delete(groupId);
    groups.delete(groupId);
    var marker = state.emittedAt(now);
    emitted.put(groupId, marker.toBytes());
    expiry.put(expiryKey(now, groupId), new byte[0]);
  }

  private static String expiryKey(long millis, String groupId) {
    return String.format("%016d|%s", Math.max(0, millis), groupId);
  }

  private JoinState load(String groupId) {
    byte[] done = emitted.get(groupId);
    if (done != null) {
      return JoinState.fromBytes(done);
    }
    byte[] bytes = groups.get(groupId);
    return bytes == null ? null : JoinState.fromBytes(bytes);
  }

  private void save(String groupId, JoinState state) {
    groups.put(groupId, state.toBytes());
  }

  private RolloutGroup rollout(String groupId) {
    return EventJson.fromBytes(rollouts.get(groupId), RolloutGroup.class);
  }

  private SourceRecord rolloutSource(String groupId, JoinState state) {
    var from = state.rollout();
    return new SourceRecord(
        from.topic(),
        from.partition(),
        from.offset(),
        groupId.getBytes(StandardCharsets.UTF_8),
        rollouts.get(groupId));
  }

  private static SourceRecord partSource(String groupId, StoredPart part) {
    return new SourceRecord(
        part.from().topic(),
        part.from().partition(),
        part.from().offset(),
        groupId.getBytes(StandardCharsets.UTF_8),
        part.value());
  }

  private static RewardPart decodePart(byte[] value) {
    try {
      return EventJson.fromBytes(value, RewardPart.class);
    } catch (EventFormatException e) {
      return null;
    }
  }

  private static List<CheckerSpec> missingTopicParts(RolloutGroup group, JoinState state) {
    return group.task().rewardSpec().topicParts().stream()
        .filter(p -> !state.parts().containsKey(p.name()))
        .toList();
  }
}
