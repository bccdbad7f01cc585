package dev.grpo.policy.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.checkpoint.SafeTensors;
import dev.grpo.policy.model.Devices;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.sampling.Generation;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line tool over the policy runtime: {@code init}, {@code sample}, {@code logprobs}, {@code
 * inspect}, {@code loss}. Bad input prints one line {@code error: ...} to stderr and exits with
 * status 2. See policy/README.md for the commands.
 */
public final class PolicyCli {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String USAGE =
      String.join(
          "\n",
          "usage: policy <command> [--option value ...]",
          "  init     --config config.json --out DIR [--seed 0] [--tokenizer tokenizer.json]"
              + " [--device cpu]",
          "  sample   --checkpoint DIR --prompts FILE|- [--max-new-tokens 32] [--temperature 1]"
              + " [--top-p 1]",
          "           [--top-k 0] [--seed 0] [--stop STRING] [--batch-size 8] [--no-bos] [--device"
              + " cpu]",
          "  logprobs --checkpoint DIR --input FILE|- [--temperature 1] [--device cpu]",
          "  inspect  --checkpoint DIR",
          "  loss     --input cases.json|-   (JSON array of loss cases -> JSON array of results)");

  private PolicyCli() {}

  /** Entry point; exits with the status of {@link #run}. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs a command; returns 0 on success, 2 on bad input, 1 on an unexpected failure. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    DjlOffline.enable(); // DJL makes network calls at engine start unless told it is offline

    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      (args.length == 0 ? err : out).println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    try {
      Map<String, String> opts = options(args);
      switch (args[0]) {
        case "init":
          init(opts, out);
          break;
        case "sample":
          sample(opts, out);
          break;
        case "logprobs":
          logprobs(opts, out);
          break;
        case "inspect":
          inspect(opts, out);
          break;
        case "loss":
          out.println(LossCases.run(readJson(required(opts, "input"))));
          break;
        default:
          throw new IllegalArgumentException(
              "unknown command " + args[0] + "; commands: init, sample, logprobs, inspect, loss");
      }
      out.flush();
      return 0;
    } catch (IllegalArgumentException | UncheckedIOException e) {
      err.println("error: " + oneLine(e.getMessage()));
      return 2;
    } catch (RuntimeException e) {
      err.println("error: " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
      return 1;
    }
  }

  private static void init(Map<String, String> o, PrintStream out) {
    ModelConfig cfg = ModelConfig.read(path(o, "config"));
    try (Tokenizer tok =
        o.containsKey("tokenizer")
            ? Tokenizers.load(path(o, "tokenizer"))
            : CharTokenizer.printableAscii()) {
      Tokenizers.checkFits(tok, cfg);
      Path dir = Path.of(required(o, "out"));
      try (LlamaModel model =
          LlamaModel.randomInit(cfg, device(o), Long.parseLong(o.getOrDefault("seed", "0")))) {
        HfCheckpoint.save(dir, model, tok, Map.of());
        out.println(
            "wrote "
                + dir
                + " ("
                + model.parameterCount()
                + " parameters, sha256 "
                + HfCheckpoint.sha256(dir)
                + ")");
      }
    }
  }

  private static void sample(Map<String, String> o, PrintStream out) {
    List<String> prompts = readPrompts(required(o, "prompts"));
    SamplingConfig sc =
        new SamplingConfig(
            dbl(o, "temperature", 1.0),
            dbl(o, "top-p", 1.0),
            integer(o, "top-k", 0),
            integer(o, "max-new-tokens", 32),
            o.containsKey("stop") ? List.of(o.get("stop")) : List.of(),
            List.of(),
            Long.parseLong(o.getOrDefault("seed", "0")));
    int batch = integer(o, "batch-size", 8);
    boolean bos = !o.containsKey("no-bos");
    try (LoadedCheckpoint ck = HfCheckpoint.load(path(o, "checkpoint"), device(o))) {
      Sampler sampler = new Sampler();
      for (int start = 0; start < prompts.size(); start += batch) {
        List<String> chunk = prompts.subList(start, Math.min(prompts.size(), start + batch));
        List<int[]> ids = new ArrayList<>();
        for (String p : chunk) {
          ids.add(bos ? PromptEncoding.withBos(ck.tokenizer(), p) : ck.tokenizer().encode(p));
        }
        // Each chunk gets its own seed so a batch size change does not silently reuse streams.
        SamplingConfig chunkCfg =
            new SamplingConfig(
                sc.temperature(),
                sc.topP(),
                sc.topK(),
                sc.maxNewTokens(),
                sc.stopStrings(),
                sc.stopTokenIds(),
                sc.seed() + start);
        List<Generation> gens = sampler.generate(ck.model(), ck.tokenizer(), ids, chunkCfg);
        for (int i = 0; i < gens.size(); i++) {
          Generation g = gens.get(i);
          ObjectNode line = JSON.createObjectNode();
          line.put("prompt", chunk.get(i));
          ArrayNode pid = line.putArray("prompt_ids");
          for (int t : ids.get(i)) {
            pid.add(t);
          }
          line.put("completion", g.text());
          ArrayNode cid = line.putArray("completion_ids");
          for (int t : g.tokenIds()) {
            cid.add(t);
          }
          ArrayNode lp = line.putArray("logprobs");
          for (float f : g.logProbs()) {
            lp.add(f);
          }
          line.put("finish_reason", g.finishReason().name().toLowerCase(java.util.Locale.ROOT));
          out.println(line);
        }
      }
    }
  }

  private static void logprobs(Map<String, String> o, PrintStream out) {
    JsonNode in = readJson(required(o, "input"));
    double temperature = dbl(o, "temperature", 1.0);
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be > 0, was " + temperature);
    }
    List<JsonNode> items = new ArrayList<>();
    if (in.isArray()) {
      in.forEach(items::add);
    } else {
      items.add(in);
    }
    try (LoadedCheckpoint ck = HfCheckpoint.loadForTokenIds(path(o, "checkpoint"), device(o));
        NDManager nd = NDManager.newBaseManager(ck.model().device(), "PyTorch")) {
      boolean was = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      ArrayNode results = JSON.createArrayNode();
      try {
        int vocab = ck.config().vocabSize();
        for (int n = 0; n < items.size(); n++) {
          int[] prompt = ids(items.get(n), "prompt_ids", n, vocab);
          int[] completion = ids(items.get(n), "completion_ids", n, vocab);
          if (prompt.length == 0) {
            throw new IllegalArgumentException("item " + n + ": prompt_ids must not be empty");
          }
          long[] seq = new long[prompt.length + completion.length];
          for (int i = 0; i < prompt.length; i++) {
            seq[i] = prompt[i];
          }
          for (int i = 0; i < completion.length; i++) {
            seq[prompt.length + i] = completion[i];
          }
          try (NDManager step = nd.newSubManager()) {
            NDArray logits = ck.model().forward(step.create(seq, new Shape(1, seq.length)), null);
            NDArray logp = logits.div((float) temperature).logSoftmax(-1);
            ObjectNode r = results.addObject();
            ArrayNode lp = r.putArray("logprobs");
            for (int i = 0; i < completion.length; i++) {
              lp.add(logp.getFloat(0, prompt.length + i - 1, completion[i]));
            }
          }
        }
      } finally {
        JniUtils.setGradMode(was);
      }
      out.println(in.isArray() ? results : results.get(0));
    }
  }

  private static void inspect(Map<String, String> o, PrintStream out) {
    Path dir = path(o, "checkpoint");
    ModelConfig cfg = ModelConfig.read(dir.resolve(HfCheckpoint.CONFIG_FILE));
    Path weights = HfCheckpoint.weightsFile(dir);
    List<Path> files = new ArrayList<>();
    if (weights.getFileName().toString().endsWith(".index.json")) {
      JsonNode idx = readJson(weights.toString());
      idx.path("weight_map")
          .forEach(
              f -> {
                Path p = dir.resolve(f.asText());
                if (!files.contains(p)) {
                  files.add(p);
                }
              });
    } else {
      files.add(weights);
    }
    ObjectNode r = JSON.createObjectNode();
    r.put("architecture", cfg.architecture());
    long count = 0;
    Map<String, Shape> expected = LlamaModel.expectedShapes(cfg);
    ObjectNode tensors = r.putObject("tensors");
    List<String> mismatches = new ArrayList<>();
    Map<String, long[]> seen = new HashMap<>();
    for (Path f : files) {
      for (var e : SafeTensors.header(f).tensors().entrySet()) {
        ObjectNode t = tensors.putObject(e.getKey());
        t.put("dtype", e.getValue().dtype());
        ArrayNode s = t.putArray("shape");
        for (long d : e.getValue().shape()) {
          s.add(d);
        }
        count += e.getValue().elements();
        seen.put(e.getKey(), e.getValue().shape());
        Shape want = expected.get(e.getKey());
        if (want != null && !want.equals(new Shape(e.getValue().shape()))) {
          mismatches.add(
              e.getKey()
                  + " has shape "
                  + new Shape(e.getValue().shape())
                  + ", config implies "
                  + want);
        }
      }
    }
    for (String name : expected.keySet()) {
      if (!seen.containsKey(name)) {
        mismatches.add("missing tensor " + name);
      }
    }
    if (!mismatches.isEmpty()) {
      throw new IllegalArgumentException(
          "weights do not match the config: " + String.join("; ", mismatches));
    }
    r.put("parameters", count);
    r.put("sha256", HfCheckpoint.sha256(dir));
    r.set("config", cfg.toJson());
    out.println(r.toPrettyString());
  }

  private static int[] ids(JsonNode item, String field, int n, int vocab) {
    JsonNode a = item.get(field);
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException(
          "item " + n + ": " + field + " must be an array of token ids, was " + a);
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).canConvertToInt() || a.get(i).asInt() < 0 || a.get(i).asInt() >= vocab) {
        throw new IllegalArgumentException(
            "item "
                + n
                + ": "
                + field
                + "["
                + i
                + "] must be a token id in [0, "
                + vocab
                + "), was "
                + a.get(i));
      }
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  private static List<String> readPrompts(String src) {
    List<String> lines;
    try {
      lines =
          src.equals("-")
              ? new String(System.in.readAllBytes()).lines().toList()
              : Files.readAllLines(Path.of(src));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("prompts file not found: " + src);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + src, e);
    }
    List<String> prompts = new ArrayList<>();
    for (String l : lines) {
      if (l.isBlank()) {
        continue;
      }
      // A JSON object line {"prompt": "..."} lets prompts carry newlines; anything else is the
      // prompt itself.
      if (l.startsWith("{")) {
        JsonNode n = parse(l, src);
        if (!n.path("prompt").isTextual()) {
          throw new IllegalArgumentException(
              src + ": JSON prompt lines need a string field \"prompt\", was " + l);
        }
        prompts.add(n.get("prompt").asText());
      } else {
        prompts.add(l);
      }
    }
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts in " + src);
    }
    return prompts;
  }

  private static JsonNode readJson(String src) {
    try {
      String s =
          src.equals("-") ? new String(System.in.readAllBytes()) : Files.readString(Path.of(src));
      return parse(s, src);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("input file not found: " + src);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + src, e);
    }
  }

  private static JsonNode parse(String s, String src) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new IllegalArgumentException(src + " is not valid JSON: " + oneLine(e.getMessage()));
    }
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("expected an option --name, was " + a);
      }
      String name = a.substring(2);
      if (name.equals("no-bos")) {
        o.put(name, "true");
      } else if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option --" + name + " needs a value");
      } else {
        o.put(name, args[++i]);
      }
    }
    return o;
  }

  private static String required(Map<String, String> o, String name) {
    String v = o.get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing required option --" + name);
    }
    return v;
  }

  private static Path path(Map<String, String> o, String name) {
    Path p = Path.of(required(o, name));
    if (!Files.exists(p)) {
      throw new IllegalArgumentException("--" + name + ": file not found: " + p);
    }
    return p;
  }

  private static Device device(Map<String, String> o) {
    return Devices.parse(o.getOrDefault("device", "cpu"));
  }

  private static double dbl(Map<String, String> o, String name, double dflt) {
    try {
      return o.containsKey(name) ? Double.parseDouble(o.get(name)) : dflt;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number, was " + o.get(name));
    }
  }

  private static int integer(Map<String, String> o, String name, int dflt) {
    try {
      return o.containsKey(name) ? Integer.parseInt(o.get(name)) : dflt;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer, was " + o.get(name));
    }
  }

  private static String oneLine(String s) {
    return s == null ? "(no message)" : s.replace('\n', ' ');
  }
}
