package dev.grpo.bench.rewards;

import dev.grpo.rewardapi.CheckInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded, realistic mix of math completions: a few hundred words of reasoning in {@code <think>},
 * then a boxed answer in the styles models write (integers, LaTeX fractions, decimals, money and
 * units, percentages, sets, tuples, intervals, wrong answers, missing boxes, hedged double boxes).
 * The "symbolic" mix holds answers that need the symbolic step (variables, roots, pi).
 */
final class MathAnswerMix {
  private MathAnswerMix() {}

  /** {answer as written, gold} pairs that the string/rational/structural steps decide. */
  private static final String[][] TYPICAL = {
    {"42", "42"},
    {"7", "7"},
    {"-3", "-3"},
    {"1{,}024", "1024"},
    {"\\dfrac{3}{4}", "\\frac34"},
    {"0.75", "\\frac{3}{4}"},
    {"\\frac{1}{2}", "0.5"},
    {"\\$18.90", "18.9"},
    {"25\\%", "25"},
    {"12 \\text{ cm}", "12"},
    {"x = 4", "4"},
    {"(1, 2)", "(1,2)"},
    {"\\{1, 2, 3\\}", "\\{3,2,1\\}"},
    {"[2, \\infty)", "[2,\\infty)"},
    {"13", "12"},
    {"\\frac{5}{6}", "\\frac{6}{5}"},
    {"1000", "1,000"},
    {"2^{10}", "1024"},
    {"-\\frac{7}{2}", "-3.5"},
    {"90^\\circ", "90"},
  };

  private static final String[][] SYMBOLIC = {
    {"2\\sqrt{2}", "\\sqrt{8}"}, {"\\frac{\\pi}{4}", "\\pi/4"}, {"(x+1)^2", "x^2+2x+1"},
    {"\\frac{\\sqrt{3}}{2}", "\\sqrt{3}/2"}, {"3\\sqrt{5}", "\\sqrt{45}"}, {"x^2-1", "(x-1)(x+1)"},
    {"2\\pi r", "2r\\pi"}, {"\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt2}{2}"},
  };

  private static final String[] WORDS =
      ("let us compute the sum of the first terms then simplify the fraction and check the"
              + " result against the constraint so the value must be an integer because the"
              + " denominator divides the numerator wait I should double check this step")
          .split(" ");

  static List<CheckInput> build(String mix, int count, long seed) {
    var random = new Random(seed);
    var table = mix.equals("symbolic") ? SYMBOLIC : TYPICAL;
    var inputs = new ArrayList<CheckInput>(count);
    for (int i = 0; i < count; i++) {
      var pair = table[random.nextInt(table.length)];
      var text = new StringBuilder("<think>\n");
      int words = 150 + random.nextInt(350); // 150-500 words of reasoning, ~1-3 KB
      for (int w = 0; w < words; w++) {
        text.append(WORDS[random.nextInt(WORDS.length)]).append(w % 17 == 16 ? ".\n" : " ");
        if (w % 53 == 52) {
          text.append(" maybe \\boxed{").append(random.nextInt(100)).append("} ");
        }
      }
      text.append("\n</think>\nSo the final answer is ");
      int style = random.nextInt(20);
      if (style == 0) {
        text.append(pair[0]).append('.'); // forgot the box
      } else if (style == 1) {
        text.append("\\boxed{").append(pair[0]).append("} or \\boxed{0}"); // hedged
      } else if (style == 2) {
        text.append("<answer>").append(pair[0]).append("</answer>");
      } else {
        text.append("$\\boxed{").append(pair[0]).append("}$.");
      }
      inputs.add(new CheckInput("prompt", text.toString(), Map.of("answer", pair[1]), Map.of()));
    }
    return inputs;
  }
}
