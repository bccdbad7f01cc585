package dev.grpo.rewards;

/** A number in model text is over the size caps; the answer is judged wrong, never computed. */
final class BigNumberCapException extends ArithmeticException {
  BigNumberCapException(String message) {
    super(message);
  }
}
