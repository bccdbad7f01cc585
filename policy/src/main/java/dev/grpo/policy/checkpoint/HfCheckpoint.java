package dev.grpo.policy.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Hugging Face checkpoint directories: {@code config.json}, {@code model.safetensors} (or a sharded
 * {@code model.safetensors.index.json}), {@code tokenizer.json} (+ {@code tokenizer_config.json}),
 * plus any extra files (e.g. optimizer state for resume).
 */
public final class HfCheckpoint {

  /** Name of the model configuration file. */
  public static final String CONFIG_FILE = "config.json";

  /** Name of the tokenizer file. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private HfCheckpoint() {}

  /**
   * Saves a checkpoint atomically: everything is written to a temporary directory next to {@code
   * dir} and then renamed onto it, so readers see either the old checkpoint or the complete new
   * one, never a half-written one. An existing {@code dir} is replaced.
   *
   * @param extraFileWriters file name → writer called with the path to write (e.g.
   *     "optimizer.safetensors")
   */
  public static void save(
      Path dir,
      LlamaModel model,
      Tokenizer tokenizer,
      Map<String, Consumer<Path>> extraFileWriters) {
    saveAtomically(
        dir,
        tmp -> {
          SafeTensors.write(tmp.resolve(SafeTensors.SINGLE_FILE), model.parameters(), Map.of());
          writeDescription(tmp, model.config(), tokenizer, extraFileWriters);
        });
  }

  /**
   * Writes what a checkpoint holds besides its weights into {@code dir}: {@code config.json}, the
   * tokenizer (when not null), {@code generation_config.json} and the extra files.
   */
  public static void writeDescription(
      Path dir, ModelConfig config, Tokenizer tokenizer, Map<String, Consumer<Path>> extraFiles) {
    try {
      config.write(dir.resolve(CONFIG_FILE));
      if (tokenizer != null) {
        tokenizer.save(dir.resolve(TOKENIZER_FILE));
      }
      Files.writeString(
          dir.resolve("generation_config.json"),
          "{\n  \"bos_token_id\": "
              + config.bosTokenId()
              + ",\n  \"eos_token_id\": "
              + config.eosTokenId()
              + "\n}\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint files into " + dir, e);
    }
    if (extraFiles != null) {
      for (var e : extraFiles.entrySet()) {
        if (e.getKey().contains("/") || e.getKey().startsWith(".")) {
          throw new IllegalArgumentException(
              "extra file name must be a plain file name, was " + e.getKey());
        }
        e.getValue().accept(dir.resolve(e.getKey()));
      }
    }
  }

  /**
   * Fills a temporary directory next to {@code dir} with {@code fill} and renames it onto {@code
   * dir}: readers see the old directory or the complete new one. An existing {@code dir} is
   * replaced.
   */
  public static void saveAtomically(Path dir, Consumer<Path> fill) {
    Path abs = dir.toAbsolutePath();
    Path parent = abs.getParent();
    Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      Files.createDirectories(parent);
      Files.createDirectory(tmp);
      fill.accept(tmp);
      if (Files.exists(abs)) {
        // Two renames: the old directory leaves, the new one arrives; the old one is deleted last.
        Path old = parent.resolve("." + abs.getFileName() + ".old-" + UUID.randomUUID());
        Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(old);
      } else {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("cannot save checkpoint to " + dir, e);
    } catch (RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
  }

  /**
   * Loads a checkpoint onto {@code device}.
   *
   * @throws IllegalArgumentException for a missing file, an unknown architecture, weights whose
   *     names or shapes do not match the config, or a tokenizer that does not fit the vocabulary
   */
  public static LoadedCheckpoint load(Path dir, Device device) {
    return load(dir, device, true);
  }

  /**
   * Loads a checkpoint for work on token ids (log-probs of given ids): its tokenizer is loaded and
   * checked when {@value #TOKENIZER_FILE} is there, and is null when it is not.
   */
  public static LoadedCheckpoint loadForTokenIds(Path dir, Device device) {
    return load(dir, device, Files.exists(dir.resolve(TOKENIZER_FILE)));
  }

  private static LoadedCheckpoint load(Path dir, Device device, boolean withTokenizer) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("checkpoint directory not found: " + dir);
    }
    ModelConfig cfg = ModelConfig.read(dir.resolve(CONFIG_FILE));
    Path weights = weightsFile(dir);
    Tokenizer tokenizer = withTokenizer ? Tokenizers.load(dir.resolve(TOKENIZER_FILE)) : null;
    try {
      if (tokenizer != null) {
        Tokenizers.checkFits(tokenizer, cfg);
      }
      LlamaModel model;
      try (NDManager tmp = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
        Map<String, NDArray> w = SafeTensors.read(weights, tmp, null);
        model = LlamaModel.fromWeights(cfg, w, device);
      }
      return new LoadedCheckpoint(cfg, model, tokenizer);
    } catch (RuntimeException e) {
      try {
        if (tokenizer != null) {
          tokenizer.close();
        }
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The weights file of a checkpoint: model.safetensors, else the sharded index. */
  public static Path weightsFile(Path dir) {
    Path single = dir.resolve(SafeTensors.SINGLE_FILE);
    if (Files.isRegularFile(single)) {
      return single;
    }
    Path index = dir.resolve(SafeTensors.INDEX_FILE);
    if (Files.isRegularFile(index)) {
      return index;
    }
    throw new IllegalArgumentException(
        "checkpoint "
            + dir
            + " has neither "
            + SafeTensors.SINGLE_FILE
            + " nor "
            + SafeTensors.INDEX_FILE);
  }

  /**
   * SHA-256 over the checkpoint's regular files in sorted relative-path order; each file
   * contributes its path, its length and its bytes, so renames and truncations change the digest.
   * Hidden files (temporary directories of an in-flight save) are ignored.
   */
  public static String sha256(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> files =
          walk.filter(Files::isRegularFile)
              .filter(p -> !dir.relativize(p).toString().startsWith("."))
              .sorted(Comparator.comparing(p -> dir.relativize(p).toString().replace('\\', '/')))
              .collect(Collectors.toList());
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (Path f : files) {
        md.update(dir.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(Long.toString(Files.size(f)).getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        try (InputStream in = Files.newInputStream(f)) {
          int r;
          while ((r = in.read(buf)) > 0) {
            md.update(buf, 0, r);
          }
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hash " + dir, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      deleteRecursively(p);
    } catch (IOException | UncheckedIOException ignored) {
      // Best effort: a leftover hidden temp dir is ignored by sha256 and overwritten by name never.
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(q);
      }
    }
  }
}
