/** The runs REST API ({@code /runs}) and its error mapping. */
package dev.grpo.trainer.rest;
