package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class SourceRecordTest {
  private static final byte[] VALUE = {1, 2, 3};

  @Test
  void keepsBytesKeysAsTheyAreAndStringKeysAsUtf8() {
    byte[] key = "g-é".getBytes(StandardCharsets.UTF_8);
    var fromBytes = SourceRecord.of(new ConsumerRecord<>(Topics.PROMPTS, 2, 7L, key, VALUE));
    var fromText = SourceRecord.of(new ConsumerRecord<>(Topics.PROMPTS, 2, 7L, "g-é", VALUE));
    assertThat(fromBytes).isEqualTo(fromText);
    assertThat(fromBytes.key()).isEqualTo(key);
    assertThat(fromText.keyText()).isEqualTo("g-é");
    assertThat(fromBytes.value()).isEqualTo(VALUE);
    assertThat(fromBytes.coordinates()).isEqualTo("grpo.prompts-2@7");
    assertThat(fromBytes.toString())
        .isEqualTo("SourceRecord[grpo.prompts-2@7, key=4 bytes, value=3 bytes]");
  }

  @Test
  void aRecordWithoutKeyOrValueKeepsNulls() {
    var r = SourceRecord.of(new ConsumerRecord<String, byte[]>(Topics.ROLLOUTS, 0, 0L, null, null));
    assertThat(r.key()).isNull();
    assertThat(r.keyText()).isNull();
    assertThat(r.value()).isNull();
  }

  @Test
  void refusesOtherKeyTypesAndBadCoordinates() {
    assertThatThrownBy(() -> SourceRecord.of(new ConsumerRecord<>("t", 0, 0L, 5L, VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("record key must be byte[] or String, was java.lang.Long");
    assertThatThrownBy(() -> new SourceRecord("t", -1, 0L, null, null))
        .hasMessage("partition must be >= 0, was -1");
    assertThatThrownBy(() -> new SourceRecord(" ", 0, 0L, null, null))
        .hasMessageContaining("topic");
  }
}
