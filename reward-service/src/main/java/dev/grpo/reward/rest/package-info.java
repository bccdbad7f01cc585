/** HTTP API: {@code POST /score} and {@code GET /checkers}, with field-naming 400 errors. */
package dev.grpo.reward.rest;
