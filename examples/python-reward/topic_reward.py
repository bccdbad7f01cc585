#!/usr/bin/python3
"""A topic reward part: 'brevity' rewards short completions that end cleanly.

Run:  KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 /usr/bin/python3 topic_reward.py
Spec: {"name": "brevity", "weight": 0.2, "external": {"via": "topic", "timeoutMillis": 30000}}
"""
import grpo_parts

PART_NAME = "brevity"
BUDGET = 16  # tokens


def score_completion(text, tokens, finish_reason):
    if finish_reason == "length":
        return 0.0, "truncated at the token limit"
    if tokens <= BUDGET:
        return 1.0, "%d tokens, within %d" % (tokens, BUDGET)
    return BUDGET / tokens, "%d tokens, over %d" % (tokens, BUDGET)


def score_group(group):
    """One (score, reason) per completion, in completion order."""
    return [
        score_completion(c["text"], len(grpo_parts.token_ids(c["tokenIds"])), c["finishReason"])
        for c in group["completions"]
    ]


if __name__ == "__main__":
    grpo_parts.serve(PART_NAME, score_group)
