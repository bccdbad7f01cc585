package dev.grpo.reward.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.contracts.ExternalPart.Format;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.rewards.PartJoin.PartScores;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The request an HTTP scorer gets for one group and how its answer is read (docs/rewards.md, "HTTP
 * scorers").
 *
 * <ul>
 *   <li>{@code grpo}: request {@code {"runId", "groupId", "prompt", "completions": [text...],
 *       "verification": {...}, "params": {...}}}; answer {@code {"scores": [number...], "reasons":
 *       [text...]?}}, one score per completion, unknown answer fields rejected.
 *   <li>{@code openrlhf} (OpenRLHF's remote reward model): request {@code {"query": [prompt +
 *       completion...], "prompts": [prompt...], "labels": [label...]}} with the label {@code
 *       verification.answer} as text ({@code ""} without one); answer {@code {"rewards":
 *       [number...]}}, other answer fields (OpenRLHF servers add {@code scores}, {@code
 *       extra_logs}) ignored.
 * </ul>
 */
public final class HttpScorerFormat {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private HttpScorerFormat() {}

  /** An answer that cannot be read as one score per completion. */
  public static final class BadAnswer extends Exception {
    private static final long serialVersionUID = 1L;

    public BadAnswer(String message) {
      super(message);
    }
  }

  /** The request body for {@code group}. */
  public static byte[] request(Format format, RolloutGroup group, Map<String, Object> params) {
    var task = group.task();
    ObjectNode body = JSON.createObjectNode();
    if (format == Format.OPENRLHF) {
      ArrayNode query = body.putArray("query");
      ArrayNode prompts = body.putArray("prompts");
      ArrayNode labels = body.putArray("labels");
      Object answer = task.verification().get("answer");
      for (var c : group.completions()) {
        query.add(task.prompt() + c.text());
        prompts.add(task.prompt());
        labels.add(answer == null ? "" : String.valueOf(answer));
      }
    } else {
      body.put("runId", group.runId());
      body.put("groupId", group.groupId());
      body.put("prompt", task.prompt());
      ArrayNode completions = body.putArray("completions");
      group.completions().forEach(c -> completions.add(c.text()));
      body.set("verification", JSON.valueToTree(task.verification()));
      body.set("params", JSON.valueToTree(params == null ? Map.of() : params));
    }
    try {
      return JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode the request: " + e.getMessage(), e);
    }
  }

  /** Reads an answer for a group of {@code completions}. */
  public static PartScores answer(Format format, byte[] body, int completions) throws BadAnswer {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new BadAnswer("answer is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (root == null || !root.isObject()) {
      throw new BadAnswer("answer must be a JSON object");
    }
    String field = format == Format.OPENRLHF ? "rewards" : "scores";
    if (format == Format.GRPO) {
      var it = root.fieldNames();
      while (it.hasNext()) {
        String name = it.next();
        if (!name.equals("scores") && !name.equals("reasons")) {
          throw new BadAnswer(
              "unknown field '" + name + "' in the answer (allowed: scores, reasons)");
        }
      }
    }
    JsonNode values = root.get(field);
    if (values == null || !values.isArray()) {
      throw new BadAnswer("answer must hold '" + field + "' as an array");
    }
    if (values.size() != completions) {
      throw new BadAnswer(
          field
              + " must hold one score per completion ("
              + completions
              + "), was "
              + values.size());
    }
    var scores = new ArrayList<Double>(completions);
    for (int i = 0; i < values.size(); i++) {
      JsonNode v = values.get(i);
      if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
        throw new BadAnswer(field + "[" + i + "] must be a finite number, was " + v);
      }
      scores.add(v.doubleValue());
    }
    List<String> reasons = new ArrayList<>();
    JsonNode r = root.get("reasons");
    if (format == Format.GRPO && r != null) {
      if (!r.isArray() || r.size() != completions) {
        throw new BadAnswer(
            "reasons must be an array with one entry per completion (" + completions + ")");
      }
      r.forEach(n -> reasons.add(n.asText()));
    }
    return new PartScores(scores, reasons);
  }
}
