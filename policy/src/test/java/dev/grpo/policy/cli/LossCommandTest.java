package dev.grpo.policy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code policy loss --input cases.json}: a case file in, one result per case out. */
class LossCommandTest {

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String json) throws Exception {
    Path file = dir.resolve("cases.json");
    Files.writeString(file, json);
    out.reset();
    err.reset();
    return PolicyCli.run(
        new String[] {"loss", "--input", file.toString()},
        new PrintStream(out, true),
        new PrintStream(err, true));
  }

  static final String CASES =
      """
      [
        {"loss_type": "grpo", "G": 2, "mask": [[1, 1, 0], [1, 0, 0]],
         "logp": [[-1, -2, 0], [-0.5, 0, 0]], "rewards": [1, 0]},
        {"loss_type": "dapo", "importance_sampling_level": "sequence", "beta": 0.04,
         "eps_low": 0.2, "eps_high": 0.28, "G": 2, "mask": [[1, 1], [1, 1]],
         "logp": [[-1, -1], [-2, -0.5]], "old_logp": [[-1.1, -1.3], [-2, -0.6]],
         "ref_logp": [[-1, -1.2], [-1.8, -0.5]], "behaviour_logp": [[-1.2, -1.3], [-2.5, -0.6]],
         "correction": "sequence_mask", "tis_cap": 2, "rewards": [0, 1]},
        {"loss_type": "cispo", "G": 2, "mask": [[1], [1]], "logp": [[-1], [-1]],
         "old_logp": [[-1.5], [-1]], "rewards": [1, 0], "eps_high": 0.2},
        {"loss_type": "sapo", "tau_pos": 1, "tau_neg": 2, "G": 2, "mask": [[1], [1]],
         "logp": [[-0.7], [-0.7]], "rewards": [1, 0], "scale": "none"},
        {"G": 2, "mask": [[1, 1], [1, 0]], "logp": [[-1, -1], [-1, 0]], "rewards": [0, 1],
         "mask_truncated": true, "max_completion_length": 2, "scale": "none"},
        {"G": 2, "mask": [[1], [1]], "logp": [[-1], [-1]],
         "reward_components": [[1, 2], [0, 2]], "reward_aggregation": "normalize_then_sum",
         "prob_gap_eps": 0.1, "behaviour_logp": [[-1], [-3]], "delta": 2}
      ]
      """;

  @Test
  void roundTripsACaseFile() throws Exception {
    assertThat(run(CASES)).as(err.toString()).isZero();
    JsonNode results = new ObjectMapper().readTree(out.toString());
    assertThat(results).hasSize(6);

    // Case 0 by hand: A = +-1/(sqrt(0.5) + 1e-4) * 0.5, r = 1; grpo loss = -(A0 + A1)/2 = 0.
    double a = 0.5 / (Math.sqrt(0.5) + 1e-4);
    JsonNode c0 = results.get(0);
    assertThat(c0.get("loss").asDouble()).isCloseTo(0, within(1e-6));
    assertThat(c0.get("grad").get(0).get(0).asDouble()).isCloseTo(-a / 4, within(1e-6));
    assertThat(c0.get("grad").get(0).get(2).asDouble()).isZero();
    assertThat(c0.get("grad").get(1).get(0).asDouble()).isCloseTo(a / 2, within(1e-6));
    assertThat(c0.get("clip_low").asDouble()).isZero();
    assertThat(c0.get("is_weight_mean").asDouble()).isEqualTo(1.0);

    // Case 2 (cispo): A0 = a, r = exp(0.5) -> weight 1.2: grad0 = -1.2 a / 2 (dapo, 2 tokens).
    JsonNode c2 = results.get(2);
    assertThat(c2.get("grad").get(0).get(0).asDouble()).isCloseTo(-1.2 * a / 2, within(1e-6));
    assertThat(c2.get("clip_high").asDouble()).isEqualTo(0.5);

    // Case 3 (sapo, scale none, A = +-0.5): loss = -(0.5 * 2 / 1 - 0.5 * 2 / 2) / 2.
    assertThat(results.get(3).get("loss").asDouble()).isCloseTo(-0.25, within(1e-6));

    // Case 4: row 0 reaches max_completion_length 2, so it is truncated and masked.
    JsonNode c4 = results.get(4);
    assertThat(c4.get("truncated_tokens").asInt()).isEqualTo(2);
    assertThat(c4.get("grad").get(0).get(0).asDouble()).isZero();
    assertThat(c4.get("grad").get(1).get(0).asDouble()).isCloseTo(-0.5 / 2, within(1e-6));

    // Case 5: p = exp(-1) vs exp(-3): the gap 0.318 > 0.1 masks token 1 whatever A's sign.
    JsonNode c5 = results.get(5);
    assertThat(c5.get("masked_fraction").asDouble()).isEqualTo(0.5);
    assertThat(c5.get("grad").get(1).get(0).asDouble()).isZero();
    assertThat(c5.get("advantages").get(0).asDouble()).isPositive();

    // Case 1 has every field: metrics are present and fractions of active tokens.
    JsonNode c1 = results.get(1);
    assertThat(c1.get("grad")).hasSize(2);
    assertThat(c1.get("masked_fraction").asDouble()).isBetween(0.0, 1.0);
    assertThat(c1.get("kl_mean").asDouble()).isPositive();
  }

  /** Random cases of every option, as JSON: B = 4 in groups of 2, T = 4. */
  static String randomCases(long seed) {
    var rnd = new java.util.Random(seed);
    String[] extras = {
      "",
      ", \"loss_type\": \"dapo\", \"importance_sampling_level\": \"sequence\"",
      ", \"loss_type\": \"cispo\", \"eps_high\": 0.28",
      ", \"loss_type\": \"sapo\", \"tau_pos\": 0.9, \"tau_neg\": 1.2",
      ", \"loss_type\": \"dr_grpo\", \"delta\": 1.5, \"max_completion_length\": 6",
      ", \"loss_type\": \"bnpo\", \"correction\": \"token_mask\", \"tis_cap\": 1.5",
      ", \"correction\": \"sequence_truncate\", \"tis_cap\": 2, \"scale\": \"batch\"",
      ", \"correction\": \"sequence_mask\", \"tis_cap\": 3, \"prob_gap_eps\": 0.1",
      ", \"mask_truncated\": true, \"max_completion_length\": 3, \"beta\": 0.04",
      ", \"reward_aggregation\": \"normalize_then_sum\", \"reward_weights\": [1, -0.5]",
    };
    StringBuilder sb = new StringBuilder("[");
    for (int k = 0; k < extras.length; k++) {
      double[][] lp = new double[4][4];
      double[][] old = new double[4][4];
      double[][] ref = new double[4][4];
      double[][] beh = new double[4][4];
      int[][] mask = new int[4][4];
      double[][] comps = new double[4][2];
      for (int i = 0; i < 4; i++) {
        int len = 1 + rnd.nextInt(4);
        comps[i][0] = rnd.nextInt(2);
        comps[i][1] = rnd.nextDouble();
        for (int j = 0; j < 4; j++) {
          lp[i][j] = -0.1 - 2 * rnd.nextDouble();
          old[i][j] = lp[i][j] + 0.5 * rnd.nextGaussian();
          ref[i][j] = lp[i][j] + 0.3 * rnd.nextGaussian();
          beh[i][j] = old[i][j] + 0.4 * rnd.nextGaussian();
          mask[i][j] = j < len ? 1 : 0;
        }
      }
      sb.append(k == 0 ? "" : ",")
          .append("{\"G\": 2, \"mask\": ")
          .append(java.util.Arrays.deepToString(new Object[] {mask}).replaceAll("^\\[|\\]$", ""))
          .append(", \"logp\": ")
          .append(java.util.Arrays.deepToString(lp))
          .append(", \"old_logp\": ")
          .append(java.util.Arrays.deepToString(old))
          .append(", \"ref_logp\": ")
          .append(java.util.Arrays.deepToString(ref))
          .append(", \"behaviour_logp\": ")
          .append(java.util.Arrays.deepToString(beh))
          .append(", \"reward_components\": ")
          .append(java.util.Arrays.deepToString(comps))
          .append(extras[k])
          .append("}");
    }
    return sb.append("]").toString();
  }

  @Test
  void agreesWithATrlStyleTorchImplementation() throws Exception {
    boolean torch;
    try {
      Process p =
          new ProcessBuilder("/usr/bin/python3", "-c", "import torch")
              .redirectErrorStream(true)
              .start();
      torch = p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      torch = false;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(
        torch, "skipped: /usr/bin/python3 cannot import torch (Debian's python3-torch)");
    for (String cases : new String[] {CASES, randomCases(17)}) {
      assertThat(run(cases)).as(err.toString()).isZero();
      Path in = dir.resolve("cases.json");
      Path results = dir.resolve("results.json");
      Files.writeString(results, out.toString());
      Path script = Path.of(getClass().getResource("/trl_style_loss.py").toURI());
      Process p =
          new ProcessBuilder(
                  "/usr/bin/python3", script.toString(), in.toString(), results.toString())
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(log).isZero();
      assertThat(log).contains(" cases, 0 mismatches");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"mask\": [[1]], \"logp\": [[0]], \"rewards\": [1]}|case 0: G must be >= 2",
        "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0], \"eps_low\": 1.5}"
            + "|case 0: eps_low must be in [0, 1)",
        "{\"mask\": [[1],[1]], \"logp\": [[0]], \"rewards\": [1, 0]}|case 0: logp must have 2 rows",
        "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0], \"loss_type\": \"ppo\"}"
            + "|case 0: loss_type must be one of grpo, bnpo, dapo, dr_grpo, cispo, sapo",
        "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0], \"correction\": \"x\"}"
            + "|case 0: correction must be one of none, token_truncate",
        "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0], \"tis_cap\": 0.5}"
            + "|case 0: tis_cap must be finite and >= 1",
        "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0], \"beta\": 0.1}"
            + "|case 0: ref_logp must be given when beta > 0",
        "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0], \"epsilon\": 0.1}"
            + "|case 0: unknown field epsilon",
        "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0], \"delta\": 1.1}"
            + "|case 0: delta must be 0 (off) or finite and > 1 + epsHigh",
      })
  void badInputNamesTheCaseAndTheFieldAndExits2(String json, String message) throws Exception {
    String good = "{\"mask\": [[1],[1]], \"logp\": [[0],[0]], \"rewards\": [1, 0]}";
    assertThat(run("[" + json + "]")).isEqualTo(2);
    assertThat(err.toString().trim()).startsWith("error: " + message).doesNotContain("\n");
    assertThat(run("[" + good + ", " + json + "]")).isEqualTo(2);
    assertThat(err.toString().trim()).startsWith("error: " + message.replace("case 0", "case 1"));
  }
}
