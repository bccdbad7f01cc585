/**
 * HTTP scorers ({@code external.via: http}): the two request/answer formats ({@link
 * dev.grpo.reward.http.HttpScorerFormat}) and the guarded call, one request per group ({@link
 * dev.grpo.reward.http.HttpScorerClient}).
 */
package dev.grpo.reward.http;
