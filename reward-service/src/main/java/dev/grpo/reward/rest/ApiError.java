package dev.grpo.reward.rest;

/**
 * Body of a 400 answer.
 *
 * @param field path of the offending field, e.g. {@code rewardSpec.checkers[0].name}; {@code $} for
 *     the whole body
 * @param message what was wrong, naming the field, the value and the rule
 */
public record ApiError(String field, String message) {}
