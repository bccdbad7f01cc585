/**
 * Framework-free logic of the worker: batching, sampling groups, offset tracking, metrics, and a
 * whole node.
 */
package dev.grpo.rollout.service;
