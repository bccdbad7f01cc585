package dev.grpo.contracts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The one way every stage writes a dead letter: the stage names, the rule that cleans a reason, the
 * cap that keeps a letter under the topic's message limit, and the Kafka headers.
 *
 * <p><b>Reason.</b> One line: every control character (and U+2028/U+2029) becomes a space, a blank
 * reason becomes {@code "unknown failure"}, and a reason over {@link #MAX_REASON_CHARS} is cut and
 * ends in {@code "..."}.
 *
 * <p><b>Size.</b> A letter's Kafka record (key, JSON value, headers and Kafka's own framing) is at
 * most {@code maxRecordBytes}, {@link #DEFAULT_MAX_RECORD_BYTES} unless the builder is told
 * otherwise, so that neither the producer ({@code max.request.size}) nor the broker ({@code
 * message.max.bytes}, both 1 MiB by default) can refuse it. The payload travels base64 in the JSON
 * (4 bytes per 3); when the whole original value does not fit, the payload keeps as many of its
 * first bytes as do, the envelope and headers record the original's size and SHA-256, and the
 * reason says so. A key longer than {@link #MAX_KEY_BYTES} is cut likewise (no group id comes near
 * it).
 *
 * <p>Thread-safe.
 */
public final class DeadLetters {
  /** Stage of the rollout worker: prompt tasks it cannot decode or generate. */
  public static final String ROLLOUT_GENERATE = "rollout-service/generate";

  /** Stage of the reward service for records that are not a valid {@code RolloutGroup}. */
  public static final String REWARD_DECODE = "reward-service/decode";

  /** Stage of the reward service for groups that decode but cannot be scored (e.g. a bad spec). */
  public static final String REWARD_SCORE = "reward-service/score";

  /** Stage of the reward service for scored groups too large to publish. */
  public static final String REWARD_PUBLISH = "reward-service/publish";

  /**
   * Stage of the reward service for reward parts it cannot use: undecodable, wrong score count, not
   * a part of the group's spec, unknown groupId after the wait, or late. Keyed by groupId, but the
   * group itself may still be scored (the trainer does not drop a group for it).
   */
  public static final String REWARD_PART = "reward-service/part";

  /**
   * Stage of the reward service for groups given up because an external part is missing or bad and
   * its {@code onTimeout} policy is {@code drop}; the letter carries the rollout group.
   */
  public static final String REWARD_JOIN = "reward-service/join";

  /** Stage of the trainer for scored groups it cannot use. */
  public static final String TRAINER_SCORED = "trainer-service/scored";

  /**
   * The default limit on a letter's whole Kafka record: Kafka's default {@code max.request.size}
   * (producer) and, within 12 bytes, {@code message.max.bytes} (broker), 1 MiB.
   */
  public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

  /** The smallest limit a builder accepts: room for the envelope, headers and a capped key. */
  public static final int MIN_MAX_RECORD_BYTES = 64 * 1024;

  /** Longest reason kept, in chars, before {@code "..."} and a note on a cut payload. */
  public static final int MAX_REASON_CHARS = 2_000;

  /** Longest key kept, in bytes. */
  public static final int MAX_KEY_BYTES = 4 * 1024;

  /** Longest stage name, in chars; stage names are constants, not data. */
  static final int MAX_STAGE_CHARS = 100;

  /**
   * Kafka's framing of one record in its own batch, an upper bound: batch header (61 bytes), record
   * header (at most 21), and five length varints (at most 5 bytes each); each header adds two more
   * varints, counted in {@link Letter#recordBytesUpperBound()}.
   */
  static final int RECORD_FRAMING_BYTES = 61 + 21 + 5 * 5;

  private static final HexFormat HEX = HexFormat.of();

  private final int maxRecordBytes;
  private final Clock clock;

  /** A builder for the default limit, {@link #DEFAULT_MAX_RECORD_BYTES}, on the UTC clock. */
  public DeadLetters() {
    this(DEFAULT_MAX_RECORD_BYTES, Clock.systemUTC());
  }

  /**
   * @param maxRecordBytes the largest Kafka record a letter may become, at least {@link
   *     #MIN_MAX_RECORD_BYTES}; raise it only together with the topic's {@code max.message.bytes}
   *     and the producer's {@code max.request.size}
   * @param clock gives {@link DeadLetter#failedAt()}
   */
  public DeadLetters(int maxRecordBytes, Clock clock) {
    if (maxRecordBytes < MIN_MAX_RECORD_BYTES) {
      throw new IllegalArgumentException(
          "maxRecordBytes must be at least " + MIN_MAX_RECORD_BYTES + ", was " + maxRecordBytes);
    }
    this.maxRecordBytes = maxRecordBytes;
    this.clock = Require.nonNull("clock", clock);
  }

  /** The limit on a letter's whole Kafka record, in bytes. */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /**
   * A dead letter for {@code source}, ready to send to {@link Topics#DLQ}.
   *
   * @param source the record that could not be processed
   * @param stage who gives up, one of the stage constants of this class (non-blank, one line)
   * @param reason why; cleaned by {@link #cleanReason}
   */
  public Letter letter(SourceRecord source, String stage, String reason) {
    Require.nonNull("source", source);
    checkStage(stage);
    var notes = new StringBuilder();
    byte[] key = source.key();
    if (key != null && key.length > MAX_KEY_BYTES) {
      notes.append(" (key cut from ").append(key.length).append(" bytes)");
      key = Arrays.copyOf(key, MAX_KEY_BYTES);
    }
    byte[] original = source.value() == null ? new byte[0] : source.value();
    String keyText = key == null ? null : new String(key, StandardCharsets.UTF_8);
    var at = clock.instant();

    String whole = cleanReason(reason) + notes;
    var letter =
        new DeadLetter(
            Contracts.SCHEMA_VERSION,
            stage,
            whole,
            source.topic(),
            source.partition(),
            source.offset(),
            keyText,
            new byte[0],
            at);
    long fixed = recordBytes(key, keyText, EventJson.toBytes(letter).length, headers(letter));
    if (fixed + base64Length(original.length) <= maxRecordBytes) {
      return sealed(withPayload(letter, original, null, null), key, keyText);
    }

    String sha256 = sha256(original);
    // The kept length appears in the reason, so reserve room for its widest form first.
    String cutReason = cutReason(whole, original.length, original.length);
    var probe =
        withPayload(withReason(letter, cutReason), new byte[0], (long) original.length, sha256);
    long cutFixed = recordBytes(key, keyText, EventJson.toBytes(probe).length, headers(probe));
    long room = Math.max(0, maxRecordBytes - cutFixed);
    int kept = (int) Math.min(original.length - 1L, room / 4 * 3);
    var cut =
        withPayload(
            withReason(letter, cutReason(whole, original.length, kept)),
            Arrays.copyOf(original, kept),
            (long) original.length,
            sha256);
    return sealed(cut, key, keyText);
  }

  /**
   * The reason rule: one line (every control character and U+2028/U+2029 replaced by a space), at
   * most {@link #MAX_REASON_CHARS} chars (then cut and ended with {@code "..."}), and {@code
   * "unknown failure"} for a null or blank reason.
   */
  public static String cleanReason(String reason) {
    if (reason == null || reason.isBlank()) {
      return "unknown failure";
    }
    var line = new StringBuilder(Math.min(reason.length(), MAX_REASON_CHARS + 3));
    for (int i = 0; i < reason.length() && line.length() < MAX_REASON_CHARS; i++) {
      char c = reason.charAt(i);
      line.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
    }
    if (line.length() < reason.length()) {
      if (Character.isHighSurrogate(line.charAt(line.length() - 1))) {
        line.setLength(line.length() - 1); // never leave half a surrogate pair
      }
      line.append("...");
    }
    return line.toString();
  }

  private static void checkStage(String stage) {
    Require.nonBlank("stage", stage);
    if (stage.length() > MAX_STAGE_CHARS || !cleanReason(stage).equals(stage)) {
      throw new IllegalArgumentException(
          "stage must be one line of at most " + MAX_STAGE_CHARS + " chars, was '" + stage + "'");
    }
  }

  private static String cutReason(String reason, long originalBytes, long keptBytes) {
    return reason
        + " (payload cut from "
        + originalBytes
        + " to "
        + keptBytes
        + " bytes to fit the dead-letter limit)";
  }

  private static long base64Length(long bytes) {
    return (bytes + 2) / 3 * 4;
  }

  private long recordBytes(byte[] key, String keyText, long valueBytes, Map<String, byte[]> h) {
    // A String-keyed producer writes the key's text, which is longer than malformed UTF-8 bytes.
    long keyBytes =
        key == null ? 0 : Math.max(key.length, keyText.getBytes(StandardCharsets.UTF_8).length);
    long total = RECORD_FRAMING_BYTES + keyBytes + valueBytes;
    for (var e : h.entrySet()) {
      total += 10 + e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().length;
    }
    return total;
  }

  private Letter sealed(DeadLetter letter, byte[] key, String keyText) {
    byte[] value = EventJson.toBytes(letter);
    var headers = headers(letter);
    long bytes = recordBytes(key, keyText, value.length, headers);
    if (bytes > maxRecordBytes) {
      // Cannot happen: the reserve above bounds everything but the payload.
      throw new IllegalStateException(
          "dead letter of " + bytes + " bytes exceeds the limit of " + maxRecordBytes);
    }
    return new Letter(letter, key, keyText, value, headers, bytes);
  }

  private static Map<String, byte[]> headers(DeadLetter d) {
    var h = new LinkedHashMap<String, byte[]>();
    h.put(DeadLetter.Headers.STAGE, utf8(d.stage()));
    h.put(DeadLetter.Headers.REASON, utf8(d.reason()));
    h.put(DeadLetter.Headers.SOURCE_TOPIC, utf8(d.sourceTopic()));
    h.put(DeadLetter.Headers.SOURCE_PARTITION, utf8(Integer.toString(d.sourcePartition())));
    h.put(DeadLetter.Headers.SOURCE_OFFSET, utf8(Long.toString(d.sourceOffset())));
    if (d.payloadTruncated()) {
      h.put(
          DeadLetter.Headers.ORIGINAL_PAYLOAD_BYTES, utf8(Long.toString(d.originalPayloadBytes())));
      h.put(DeadLetter.Headers.ORIGINAL_PAYLOAD_SHA256, utf8(d.originalPayloadSha256()));
    }
    return h;
  }

  private static DeadLetter withReason(DeadLetter d, String reason) {
    return new DeadLetter(
        d.schemaVersion(),
        d.stage(),
        reason,
        d.sourceTopic(),
        d.sourcePartition(),
        d.sourceOffset(),
        d.key(),
        d.payload(),
        d.originalPayloadBytes(),
        d.originalPayloadSha256(),
        d.failedAt());
  }

  private static DeadLetter withPayload(
      DeadLetter d, byte[] payload, Long originalBytes, String sha256) {
    return new DeadLetter(
        d.schemaVersion(),
        d.stage(),
        d.reason(),
        d.sourceTopic(),
        d.sourcePartition(),
        d.sourceOffset(),
        d.key(),
        payload,
        originalBytes,
        sha256,
        d.failedAt());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * A dead letter ready to send: the envelope, its encoding, the key and the headers, built only by
   * {@link #letter} and therefore always within the builder's limit. Serves both kinds of producer:
   * {@link #producerRecord()} for {@code byte[]} keys, {@link #producerRecordWithTextKey()} for
   * {@code String} keys, or {@link #value()} with {@link #headers()} and {@link #keyText()} for a
   * framework that builds the record itself.
   */
  public static final class Letter {
    private final DeadLetter envelope;
    private final byte[] key;
    private final String keyText;
    private final byte[] value;
    private final Map<String, byte[]> headerValues;
    private final long recordBytesUpperBound;

    private Letter(
        DeadLetter envelope,
        byte[] key,
        String keyText,
        byte[] value,
        Map<String, byte[]> headerValues,
        long recordBytesUpperBound) {
      this.envelope = envelope;
      this.key = key;
      this.keyText = keyText;
      this.value = value;
      this.headerValues = headerValues;
      this.recordBytesUpperBound = recordBytesUpperBound;
    }

    /** The envelope, as {@link #value()} encodes it. */
    public DeadLetter envelope() {
      return envelope;
    }

    /** The Kafka key: the original key (cut to {@link #MAX_KEY_BYTES}), or null; a copy. */
    public byte[] key() {
      return key == null ? null : key.clone();
    }

    /** The key as text, {@link DeadLetter#key()}, or null. */
    public String keyText() {
      return keyText;
    }

    /** The encoded envelope, {@link EventJson#toBytes}; a copy. */
    public byte[] value() {
      return value.clone();
    }

    /** The value of one header ({@link DeadLetter.Headers}) as text, or null when absent. */
    public String header(String name) {
      byte[] v = headerValues.get(name);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** A fresh, mutable set of the letter's Kafka headers, in {@link DeadLetter.Headers} order. */
    public Headers headers() {
      var h = new RecordHeaders();
      headerValues.forEach((name, v) -> h.add(name, v.clone()));
      return h;
    }

    /**
     * What Kafka counts against {@code max.request.size} and {@code message.max.bytes} for this
     * record alone in a batch, at most; never above the builder's limit.
     */
    public long recordBytesUpperBound() {
      return recordBytesUpperBound;
    }

    /** The record for a producer with {@code byte[]} keys. */
    public ProducerRecord<byte[], byte[]> producerRecord() {
      return new ProducerRecord<>(Topics.DLQ, null, key(), value(), headers());
    }

    /** The record for a producer with {@code String} keys. */
    public ProducerRecord<String, byte[]> producerRecordWithTextKey() {
      return new ProducerRecord<>(Topics.DLQ, null, keyText, value(), headers());
    }

    @Override
    public String toString() {
      return "Letter[" + envelope + ", " + recordBytesUpperBound + " record bytes at most]";
    }
  }
}
