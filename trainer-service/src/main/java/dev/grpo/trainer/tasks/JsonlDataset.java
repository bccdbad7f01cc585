package dev.grpo.trainer.tasks;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A {@link PromptDataset} from a JSONL file: one object per line, {@code {"id": "...", "prompt":
 * "...", "verification": {...}}} ({@code id} optional: the line number; {@code verification}
 * optional). {@code evalSize} lines, chosen by a seeded shuffle, are held out; lines whose prompt
 * text equals a held-out prompt are removed from training too. Training cycles through the
 * remaining lines, each epoch in a new seeded order.
 */
public final class JsonlDataset implements PromptDataset {
  /** More lines than this is a job for a streaming source, not an in-memory list. */
  public static final int MAX_LINES = 1_000_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<TaskExample> train;
  private final List<TaskExample> eval;
  private final long seed;

  /**
   * @throws IllegalArgumentException naming the file, line and field of a malformed line, or when
   *     fewer than one training line remains after the evaluation split
   */
  public JsonlDataset(Path file, long seed, int evalSize) {
    this.seed = seed;
    List<TaskExample> all = read(file);
    var order = new ArrayList<>(all);
    Collections.shuffle(order, new java.util.Random(PromptDataset.mix(seed, -1)));
    if (evalSize > order.size() - 1) {
      throw new IllegalArgumentException(
          "dataset.evalSize must leave at least one training line of "
              + order.size()
              + " in "
              + file
              + ", was "
              + evalSize);
    }
    this.eval = List.copyOf(order.subList(0, evalSize));
    var evalPrompts = new HashSet<String>();
    eval.forEach(e -> evalPrompts.add(e.prompt()));
    var rest = new ArrayList<TaskExample>();
    for (TaskExample e : all) {
      if (!eval.contains(e) && !evalPrompts.contains(e.prompt())) {
        rest.add(e);
      }
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException(
          "dataset.jsonlPath "
              + file
              + " has no training line left: every prompt is also in the evaluation set");
    }
    this.train = List.copyOf(rest);
  }

  static List<TaskExample> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "dataset.jsonlPath must be a readable file, was " + file + " (" + e + ")");
    }
    var out = new ArrayList<TaskExample>();
    var ids = new HashSet<String>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (out.size() >= MAX_LINES) {
        throw new IllegalArgumentException(file + " has more than " + MAX_LINES + " lines");
      }
      String where = file + " line " + (i + 1);
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            where + " must be a JSON object, was not JSON: " + e.getMessage());
      }
      if (!node.isObject()) {
        throw new IllegalArgumentException(
            where + " must be a JSON object, was " + node.getNodeType());
      }
      JsonNode prompt = node.get("prompt");
      if (prompt == null || !prompt.isTextual() || prompt.asText().isEmpty()) {
        throw new IllegalArgumentException(
            where + ": prompt must be a non-empty string, was " + prompt);
      }
      JsonNode ver = node.get("verification");
      Map<String, Object> verification = Map.of();
      if (ver != null && !ver.isNull()) {
        if (!ver.isObject()) {
          throw new IllegalArgumentException(
              where + ": verification must be a JSON object, was " + ver.getNodeType());
        }
        verification = JSON.convertValue(ver, new TypeReference<Map<String, Object>>() {});
      }
      String id = node.hasNonNull("id") ? node.get("id").asText() : "line-" + (i + 1);
      if (!ids.add(id)) {
        throw new IllegalArgumentException(
            where + ": id must be unique in the file, was '" + id + "' again");
      }
      out.add(new TaskExample("jsonl:" + id, prompt.asText(), verification));
    }
    if (out.size() < 2) {
      throw new IllegalArgumentException(
          "dataset.jsonlPath must hold at least 2 prompts, " + file + " had " + out.size());
    }
    return out;
  }

  @Override
  public TaskExample train(long index) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, was " + index);
    }
    int n = train.size();
    long epoch = index / n;
    int pos = (int) (index % n);
    // Fisher-Yates permutation of this epoch, recomputed on demand: O(n) per call is fine for the
    // prompt rate of a trainer (a few per step); it keeps the stream index-addressable.
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    var rng = new SplittableRandom(PromptDataset.mix(seed, epoch));
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return train.get(perm[pos]);
  }

  @Override
  public List<TaskExample> eval() {
    return eval;
  }

  /** Training lines (after removing the evaluation set). */
  public int trainSize() {
    return train.size();
  }
}
