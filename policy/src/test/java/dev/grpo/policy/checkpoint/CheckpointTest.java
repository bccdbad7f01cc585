package dev.grpo.policy.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

  @TempDir Path dir;

  static final ModelConfig CFG = ModelConfig.llama(100, 32, 48, 2, 4, 2, 64);

  @Test
  void checkpointRoundTripIsBitExact() throws Exception {
    Path ckpt = dir.resolve("ckpt");
    for (ModelConfig cfg :
        new ModelConfig[] {CFG, CFG.withArchitecture(ModelConfig.QWEN2).withTiedEmbeddings(true)}) {
      try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 11)) {
        HfCheckpoint.save(
            ckpt,
            model,
            CharTokenizer.printableAscii(),
            Map.of("optimizer.bin", p -> write(p, "state")));
        assertThat(ckpt.resolve("optimizer.bin")).hasContent("state");
        try (LoadedCheckpoint back = HfCheckpoint.load(ckpt, Device.cpu())) {
          assertThat(back.config()).isEqualTo(cfg);
          assertThat(back.model().parameters().keySet())
              .containsExactlyElementsOf(model.parameters().keySet());
          for (var e : model.parameters().entrySet()) {
            NDArray other = back.model().parameters().get(e.getKey());
            assertThat(bits(other)).as(e.getKey()).isEqualTo(bits(e.getValue()));
          }
          assertThat(back.tokenizer().encode("1+1=2"))
              .containsExactly(CharTokenizer.printableAscii().encode("1+1=2"));
        }
      }
    }
    // No temporary or old directories stay behind after a replacing save.
    try (var names = Files.list(dir)) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactly("ckpt");
    }
  }

  @Test
  void sha256IsStableAndSeesEveryByte() throws Exception {
    Path ckpt = dir.resolve("c");
    try (LlamaModel model = LlamaModel.randomInit(CFG, Device.cpu(), 1)) {
      HfCheckpoint.save(ckpt, model, CharTokenizer.printableAscii(), Map.of());
      String first = HfCheckpoint.sha256(ckpt);
      HfCheckpoint.save(dir.resolve("d"), model, CharTokenizer.printableAscii(), Map.of());
      assertThat(HfCheckpoint.sha256(dir.resolve("d"))).isEqualTo(first).hasSize(64);
      byte[] w = Files.readAllBytes(ckpt.resolve("model.safetensors"));
      w[w.length - 1] ^= 1;
      Files.write(ckpt.resolve("model.safetensors"), w);
      assertThat(HfCheckpoint.sha256(ckpt)).isNotEqualTo(first);
    }
  }

  @Test
  void readsF16Bf16AndShardedFiles() throws Exception {
    // BF16 [1.0, -2.5, 3.140625] and F16 [1.0, -2.5, 65504, 2^-24] written by hand.
    Path f = dir.resolve("mixed.safetensors");
    String header =
        "{\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},"
            + "\"b\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[6,14]}}";
    ByteBuffer buf = ByteBuffer.allocate(8 + header.length() + 14).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    for (float v : new float[] {1f, -2.5f, 3.140625f}) {
      buf.putShort((short) (Float.floatToIntBits(v) >>> 16));
    }
    for (int h : new int[] {0x3c00, 0xc100, 0x7bff, 0x0001}) {
      buf.putShort((short) h);
    }
    Files.write(f, buf.array());
    try (SafeTensors.Contents c = SafeTensors.read(f)) {
      assertThat(c.tensors().get("a").getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(c.tensors().get("a").toFloatArray()).containsExactly(1f, -2.5f, 3.140625f);
      assertThat(c.tensors().get("b").getShape()).isEqualTo(new Shape(2, 2));
      assertThat(c.tensors().get("b").toFloatArray()).containsExactly(1f, -2.5f, 65504f, 0x1p-24f);
    }

    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> one = new LinkedHashMap<>();
      one.put("x", m.arange(6f).reshape(2, 3));
      Map<String, NDArray> two = Map.of("y", m.create(new float[] {7f, 8f}));
      SafeTensors.write(dir.resolve("model-00001-of-00002.safetensors"), one, Map.of());
      SafeTensors.write(dir.resolve("model-00002-of-00002.safetensors"), two, Map.of());
      Files.writeString(
          dir.resolve("model.safetensors.index.json"),
          "{\"metadata\":{\"total_size\":32},\"weight_map\":"
              + "{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\"}}");
      try (SafeTensors.Contents c = SafeTensors.read(dir.resolve("model.safetensors.index.json"))) {
        assertThat(c.tensors().get("x").toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(c.tensors().get("y").toFloatArray()).containsExactly(7, 8);
        assertThat(c.metadata()).containsEntry("format", "pt");
      }
    }
  }

  @Test
  void badCheckpointsFailWithTheReason() throws Exception {
    Path ckpt = dir.resolve("c");
    try (LlamaModel model = LlamaModel.randomInit(CFG, Device.cpu(), 1)) {
      HfCheckpoint.save(ckpt, model, CharTokenizer.printableAscii(), Map.of());
    }
    // A config that disagrees with the weights.
    Files.writeString(
        ckpt.resolve("config.json"),
        Files.readString(ckpt.resolve("config.json"))
            .replace("\"attention_bias\" : false", "\"attention_bias\" : true"));
    assertThatThrownBy(() -> HfCheckpoint.load(ckpt, Device.cpu()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing tensor model.layers.0.self_attn.q_proj.bias");
    ModelConfig.llama(100, 32, 48, 2, 4, 4, 64).write(ckpt.resolve("config.json"));
    assertThatThrownBy(() -> HfCheckpoint.load(ckpt, Device.cpu()))
        .hasMessageContaining(
            "model.layers.0.self_attn.k_proj.weight has shape (16, 32), config implies (32, 32)");
    ModelConfig.llama(50, 32, 48, 2, 4, 2, 64).write(ckpt.resolve("config.json"));
    assertThatThrownBy(() -> HfCheckpoint.load(ckpt, Device.cpu()))
        .hasMessageContaining("does not fit the model");
    Files.writeString(
        ckpt.resolve("config.json"),
        Files.readString(ckpt.resolve("config.json"))
            .replace("LlamaForCausalLM", "MistralForCausalLM"));
    assertThatThrownBy(() -> HfCheckpoint.load(ckpt, Device.cpu()))
        .hasMessageContaining("unknown architecture MistralForCausalLM");
    Files.delete(ckpt.resolve("model.safetensors"));
    CFG.write(ckpt.resolve("config.json"));
    assertThatThrownBy(() -> HfCheckpoint.load(ckpt, Device.cpu()))
        .hasMessageContaining("has neither model.safetensors");
  }

  static byte[] bits(NDArray a) {
    ByteBuffer b = a.toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static void write(Path p, String s) {
    try {
      Files.writeString(p, s);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
