package dev.grpo.contracts;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * The envelope written to {@link Topics#DLQ} for a record that a stage could not process, so that
 * nothing is dropped silently. Key: the original record's key. Producers also copy the metadata
 * into Kafka headers ({@link Headers}) so that tools can filter without decoding. Stages build
 * letters with {@link DeadLetters}, which also keeps every letter under the topic's message limit:
 * a payload too large for it is cut, and the envelope then records the original's size and SHA-256
 * so that the original can be found and verified in its source topic.
 *
 * @param schemaVersion contract version, {@link Contracts#SCHEMA_VERSION}
 * @param stage the stage that gave up (e.g. {@code "reward-service/score"})
 * @param reason why, in one line (e.g. the decoding error, which names the field)
 * @param sourceTopic topic of the original record
 * @param sourcePartition partition of the original record, {@code >= 0}
 * @param sourceOffset offset of the original record, {@code >= 0}
 * @param key the original record's key as text; optional, null for a record without key
 * @param payload the original record's value, byte for byte (base64 in JSON); empty for a null
 *     value; only its first bytes when {@code originalPayloadBytes} is set
 * @param originalPayloadBytes the original value's size in bytes when {@code payload} holds only
 *     its first bytes (then larger than {@code payload.length}); optional, null when the payload is
 *     whole
 * @param originalPayloadSha256 SHA-256 of the whole original value, 64 lower-case hex digits; set
 *     exactly when {@code originalPayloadBytes} is; optional, null when the payload is whole
 * @param failedAt when the stage gave up
 */
public record DeadLetter(
    int schemaVersion,
    String stage,
    String reason,
    String sourceTopic,
    int sourcePartition,
    long sourceOffset,
    @OptionalField String key,
    byte[] payload,
    @OptionalField Long originalPayloadBytes,
    @OptionalField String originalPayloadSha256,
    Instant failedAt) {

  /** Kafka header names under which producers of dead letters repeat the envelope's metadata. */
  public static final class Headers {
    /** {@link DeadLetter#stage()}, UTF-8. */
    public static final String STAGE = "grpo-dlq-stage";

    /** {@link DeadLetter#reason()}, UTF-8. */
    public static final String REASON = "grpo-dlq-reason";

    /** {@link DeadLetter#sourceTopic()}, UTF-8. */
    public static final String SOURCE_TOPIC = "grpo-dlq-source-topic";

    /** {@link DeadLetter#sourcePartition()}, decimal text. */
    public static final String SOURCE_PARTITION = "grpo-dlq-source-partition";

    /** {@link DeadLetter#sourceOffset()}, decimal text. */
    public static final String SOURCE_OFFSET = "grpo-dlq-source-offset";

    /** {@link DeadLetter#originalPayloadBytes()}, decimal text; only on a cut payload. */
    public static final String ORIGINAL_PAYLOAD_BYTES = "grpo-dlq-original-payload-bytes";

    /** {@link DeadLetter#originalPayloadSha256()}, hex text; only on a cut payload. */
    public static final String ORIGINAL_PAYLOAD_SHA256 = "grpo-dlq-original-payload-sha256";

    private Headers() {}
  }

  public DeadLetter {
    Require.schemaVersion(schemaVersion);
    Require.nonBlank("stage", stage);
    Require.nonBlank("reason", reason);
    Require.nonBlank("sourceTopic", sourceTopic);
    Require.atLeast("sourcePartition", sourcePartition, 0);
    Require.atLeast("sourceOffset", sourceOffset, 0);
    payload = Require.nonNull("payload", payload).clone();
    if ((originalPayloadBytes == null) != (originalPayloadSha256 == null)) {
      throw new IllegalArgumentException(
          "originalPayloadBytes and originalPayloadSha256 must be given together or not at all,"
              + " were "
              + originalPayloadBytes
              + " and "
              + originalPayloadSha256);
    }
    if (originalPayloadBytes != null) {
      Require.atLeast("originalPayloadBytes", originalPayloadBytes, payload.length + 1L);
      Sha256.check("originalPayloadSha256", originalPayloadSha256);
    }
    Require.nonNull("failedAt", failedAt);
  }

  /** A letter whose payload is the whole original value (no truncation fields). */
  public DeadLetter(
      int schemaVersion,
      String stage,
      String reason,
      String sourceTopic,
      int sourcePartition,
      long sourceOffset,
      String key,
      byte[] payload,
      Instant failedAt) {
    this(
        schemaVersion,
        stage,
        reason,
        sourceTopic,
        sourcePartition,
        sourceOffset,
        key,
        payload,
        null,
        null,
        failedAt);
  }

  /** Whether {@link #payload()} holds only the first bytes of the original value. */
  public boolean payloadTruncated() {
    return originalPayloadBytes != null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d
        && schemaVersion == d.schemaVersion
        && stage.equals(d.stage)
        && reason.equals(d.reason)
        && sourceTopic.equals(d.sourceTopic)
        && sourcePartition == d.sourcePartition
        && sourceOffset == d.sourceOffset
        && Objects.equals(key, d.key)
        && Arrays.equals(payload, d.payload)
        && Objects.equals(originalPayloadBytes, d.originalPayloadBytes)
        && Objects.equals(originalPayloadSha256, d.originalPayloadSha256)
        && failedAt.equals(d.failedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        schemaVersion,
        stage,
        reason,
        sourceTopic,
        sourcePartition,
        sourceOffset,
        key,
        Arrays.hashCode(payload),
        originalPayloadBytes,
        originalPayloadSha256,
        failedAt);
  }

  @Override
  public String toString() {
    return "DeadLetter[schemaVersion="
        + schemaVersion
        + ", stage="
        + stage
        + ", reason="
        + reason
        + ", source="
        + sourceTopic
        + "-"
        + sourcePartition
        + "@"
        + sourceOffset
        + ", key="
        + key
        + ", payload="
        + payload.length
        + " bytes"
        + (originalPayloadBytes == null
            ? ""
            : " of " + originalPayloadBytes + " (sha256 " + originalPayloadSha256 + ")")
        + ", failedAt="
        + failedAt
        + "]";
  }
}
