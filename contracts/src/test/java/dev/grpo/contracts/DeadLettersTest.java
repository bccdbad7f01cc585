package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
  private static final Clock CLOCK = Clock.fixed(Examples.T0, ZoneOffset.UTC);
  private final DeadLetters deadLetters =
      new DeadLetters(DeadLetters.DEFAULT_MAX_RECORD_BYTES, CLOCK);

  private static SourceRecord source(String key, byte[] value) {
    return new SourceRecord(
        Topics.ROLLOUTS, 3, 42L, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
  }

  @Test
  void aSmallRecordTravelsWholeWithItsMetadataInTheEnvelopeAndTheHeaders() {
    byte[] value = "{not json".getBytes(StandardCharsets.UTF_8);
    var letter =
        deadLetters.letter(source("run-1-g7", value), DeadLetters.REWARD_DECODE, "bad JSON");

    DeadLetter d = EventJson.fromBytes(letter.value(), DeadLetter.class);
    assertThat(d).isEqualTo(letter.envelope());
    assertThat(d.stage()).isEqualTo("reward-service/decode");
    assertThat(d.reason()).isEqualTo("bad JSON");
    assertThat(d.sourceTopic()).isEqualTo(Topics.ROLLOUTS);
    assertThat(d.sourcePartition()).isEqualTo(3);
    assertThat(d.sourceOffset()).isEqualTo(42L);
    assertThat(d.key()).isEqualTo("run-1-g7");
    assertThat(d.payload()).isEqualTo(value);
    assertThat(d.payloadTruncated()).isFalse();
    assertThat(d.originalPayloadBytes()).isNull();
    assertThat(d.originalPayloadSha256()).isNull();
    assertThat(d.failedAt()).isEqualTo(Examples.T0);
    assertThat(new String(letter.value(), StandardCharsets.UTF_8))
        .doesNotContain("originalPayload");

    ProducerRecord<byte[], byte[]> bytesKeyed = letter.producerRecord();
    assertThat(bytesKeyed.topic()).isEqualTo(Topics.DLQ);
    assertThat(bytesKeyed.key()).isEqualTo("run-1-g7".getBytes(StandardCharsets.UTF_8));
    assertThat(bytesKeyed.value()).isEqualTo(letter.value());
    ProducerRecord<String, byte[]> textKeyed = letter.producerRecordWithTextKey();
    assertThat(textKeyed.key()).isEqualTo("run-1-g7");
    for (var record : new ProducerRecord<?, ?>[] {bytesKeyed, textKeyed}) {
      assertThat(text(record, DeadLetter.Headers.STAGE)).isEqualTo("reward-service/decode");
      assertThat(text(record, DeadLetter.Headers.REASON)).isEqualTo("bad JSON");
      assertThat(text(record, DeadLetter.Headers.SOURCE_TOPIC)).isEqualTo(Topics.ROLLOUTS);
      assertThat(text(record, DeadLetter.Headers.SOURCE_PARTITION)).isEqualTo("3");
      assertThat(text(record, DeadLetter.Headers.SOURCE_OFFSET)).isEqualTo("42");
      assertThat(record.headers().lastHeader(DeadLetter.Headers.ORIGINAL_PAYLOAD_BYTES)).isNull();
      assertThat(record.headers().lastHeader(DeadLetter.Headers.ORIGINAL_PAYLOAD_SHA256)).isNull();
    }
  }

  @Test
  void aNullValueAndANullKeyBecomeAnEmptyPayloadAndNoKey() {
    var letter = deadLetters.letter(source(null, null), DeadLetters.ROLLOUT_GENERATE, "tombstone");
    assertThat(letter.envelope().payload()).isEmpty();
    assertThat(letter.envelope().key()).isNull();
    assertThat(letter.key()).isNull();
    assertThat(letter.producerRecordWithTextKey().key()).isNull();
  }

  @Test
  void aFiveMegabytePayloadIsCutSoTheLetterFitsTheLimitAndNamesTheOriginal() throws Exception {
    byte[] value = new byte[5 * 1024 * 1024];
    new Random(7).nextBytes(value);
    var letter =
        deadLetters.letter(
            source("run-1-g8", value), DeadLetters.TRAINER_SCORED, "scored group is too big");

    int limit = DeadLetters.DEFAULT_MAX_RECORD_BYTES;
    assertThat(letter.recordBytesUpperBound()).isLessThanOrEqualTo(limit);
    // Kafka's own estimate, the one the producer compares with max.request.size.
    for (var compression : CompressionType.values()) {
      assertThat(kafkaEstimate(letter, compression))
          .as(compression.name)
          .isLessThanOrEqualTo(limit);
    }

    DeadLetter d = EventJson.fromBytes(letter.value(), DeadLetter.class);
    assertThat(d.payloadTruncated()).isTrue();
    assertThat(d.originalPayloadBytes()).isEqualTo((long) value.length);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
    assertThat(d.originalPayloadSha256()).isEqualTo(sha);
    assertThat(d.payload()).isEqualTo(Arrays.copyOf(value, d.payload().length));
    // The cut keeps nearly all the room: within one base64 quantum and the reason's note.
    assertThat(d.payload().length).isGreaterThan(limit * 3 / 4 - 4096);
    assertThat(d.reason())
        .isEqualTo(
            "scored group is too big (payload cut from "
                + value.length
                + " to "
                + d.payload().length
                + " bytes to fit the dead-letter limit)");
    var record = letter.producerRecord();
    assertThat(text(record, DeadLetter.Headers.ORIGINAL_PAYLOAD_BYTES))
        .isEqualTo(Integer.toString(value.length));
    assertThat(text(record, DeadLetter.Headers.ORIGINAL_PAYLOAD_SHA256)).isEqualTo(sha);
    assertThat(text(record, DeadLetter.Headers.REASON)).isEqualTo(d.reason());
  }

  @Test
  void aPayloadJustOverTheRoomIsCutAndOneJustUnderIsNot() {
    // The largest whole payload: find it by bisection, then check both sides of the edge.
    int lo = 0;
    int hi = DeadLetters.DEFAULT_MAX_RECORD_BYTES;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (deadLetters
          .letter(source("k", new byte[mid]), "s/t", "r")
          .envelope()
          .payloadTruncated()) {
        hi = mid - 1;
      } else {
        lo = mid;
      }
    }
    var whole = deadLetters.letter(source("k", new byte[lo]), "s/t", "r");
    assertThat(whole.envelope().payload()).hasSize(lo);
    assertThat(whole.recordBytesUpperBound())
        .isLessThanOrEqualTo(DeadLetters.DEFAULT_MAX_RECORD_BYTES)
        .isGreaterThan(DeadLetters.DEFAULT_MAX_RECORD_BYTES - 4);
    var cut = deadLetters.letter(source("k", new byte[lo + 1]), "s/t", "r");
    assertThat(cut.envelope().originalPayloadBytes()).isEqualTo(lo + 1L);
    assertThat(cut.recordBytesUpperBound())
        .isLessThanOrEqualTo(DeadLetters.DEFAULT_MAX_RECORD_BYTES);
  }

  @Test
  void aLargerLimitKeepsMoreAndTooSmallALimitIsRefused() {
    byte[] value = new byte[2 * 1024 * 1024]; // 2.7 MiB as base64
    var roomy = new DeadLetters(4 * 1024 * 1024, CLOCK).letter(source("k", value), "s/t", "r");
    assertThat(roomy.envelope().payloadTruncated()).isFalse();
    assertThat(roomy.recordBytesUpperBound()).isLessThanOrEqualTo(4 * 1024 * 1024);
    assertThatThrownBy(() -> new DeadLetters(1000, CLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxRecordBytes must be at least 65536, was 1000");
  }

  @Test
  void theLetterFitsWhateverTheReasonAndTheKey() {
    var small = new DeadLetters(DeadLetters.MIN_MAX_RECORD_BYTES, CLOCK);
    String hostileReason = "\"\\\u0001é€😀\n".repeat(10_000);
    String hostileKey = "\u0000\"é".repeat(50_000);
    var letter =
        small.letter(
            source(hostileKey, new byte[1024 * 1024]), DeadLetters.REWARD_SCORE, hostileReason);
    assertThat(letter.recordBytesUpperBound())
        .isLessThanOrEqualTo(DeadLetters.MIN_MAX_RECORD_BYTES);
    assertThat(kafkaEstimate(letter, CompressionType.NONE))
        .isLessThanOrEqualTo(DeadLetters.MIN_MAX_RECORD_BYTES);
    assertThat(letter.key()).hasSize(DeadLetters.MAX_KEY_BYTES);
    assertThat(letter.envelope().reason())
        .contains("(key cut from " + hostileKey.getBytes(StandardCharsets.UTF_8).length + " bytes)")
        .doesNotContain("\n");
    assertThat(letter.envelope().payloadTruncated()).isTrue();
    assertThat(EventJson.fromBytes(letter.value(), DeadLetter.class)).isEqualTo(letter.envelope());
  }

  @Test
  void reasonsBecomeOneCappedLine() {
    assertThat(DeadLetters.cleanReason("a\nb\r\tc\u0000d\u2028e\u0085f")).isEqualTo("a b  c d e f");
    assertThat(DeadLetters.cleanReason(null)).isEqualTo("unknown failure");
    assertThat(DeadLetters.cleanReason(" \n ")).isEqualTo("unknown failure");
    String exact = "x".repeat(DeadLetters.MAX_REASON_CHARS);
    assertThat(DeadLetters.cleanReason(exact)).isEqualTo(exact);
    assertThat(DeadLetters.cleanReason(exact + "y")).isEqualTo(exact + "...");
    // A cut never leaves half a surrogate pair behind.
    String pairAtTheEdge = "x".repeat(DeadLetters.MAX_REASON_CHARS - 1) + "😀";
    assertThat(DeadLetters.cleanReason(pairAtTheEdge + "z"))
        .isEqualTo("x".repeat(DeadLetters.MAX_REASON_CHARS - 1) + "...");
  }

  @Test
  void stagesAreTheNamedOnesOrAtLeastOneShortLine() {
    assertThat(
            new String[] {
              DeadLetters.ROLLOUT_GENERATE,
              DeadLetters.REWARD_DECODE,
              DeadLetters.REWARD_SCORE,
              DeadLetters.REWARD_PUBLISH,
              DeadLetters.TRAINER_SCORED
            })
        .containsExactly(
            "rollout-service/generate",
            "reward-service/decode",
            "reward-service/score",
            "reward-service/publish",
            "trainer-service/scored");
    var src = source("k", new byte[0]);
    assertThatThrownBy(() -> deadLetters.letter(src, "two\nlines", "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage must be one line");
    assertThatThrownBy(() -> deadLetters.letter(src, " ", "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage");
  }

  @Test
  void truncationFieldsComeTogetherAndDescribeALargerOriginal() {
    assertThatThrownBy(
            () -> new DeadLetter(1, "s", "r", "t", 0, 0L, null, new byte[0], 5L, null, Examples.T0))
        .hasMessageContaining("must be given together");
    assertThatThrownBy(
            () ->
                new DeadLetter(
                    1, "s", "r", "t", 0, 0L, null, new byte[4], 4L, Examples.SHA, Examples.T0))
        .hasMessage("originalPayloadBytes must be >= 5, was 4");
    assertThatThrownBy(
            () -> new DeadLetter(1, "s", "r", "t", 0, 0L, null, new byte[0], 5L, "AB", Examples.T0))
        .hasMessageContaining("originalPayloadSha256 must be 64 lower-case hex digits");
  }

  private static long kafkaEstimate(DeadLetters.Letter letter, CompressionType compression) {
    ProducerRecord<byte[], byte[]> r = letter.producerRecord();
    return AbstractRecords.estimateSizeInBytesUpperBound(
        RecordBatch.CURRENT_MAGIC_VALUE, compression, r.key(), r.value(), r.headers().toArray());
  }

  private static String text(ProducerRecord<?, ?> record, String header) {
    Header h = record.headers().lastHeader(header);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
