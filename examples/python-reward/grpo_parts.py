"""Plumbing for a reward part service in Python (the contract: docs/rewards.md#custom-reward-services).

Consumes grpo.rollouts in its own consumer group (read_committed), hands each RolloutGroup whose
reward spec names the part to a scoring function, and publishes one RewardPart per group to
grpo.reward-parts (key groupId) in a Kafka transaction together with the consumed offsets, so a
crash never publishes a part twice nor skips a group. Needs Debian's python3-confluent-kafka.
"""
import base64
import json
import os
import struct
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

ROLLOUTS, PARTS = "grpo.rollouts", "grpo.reward-parts"


def token_ids(packed):
    """A completion's tokenIds: packed little-endian int32 in base64, or a plain JSON array."""
    if isinstance(packed, list):
        return packed
    raw = base64.b64decode(packed)
    return list(struct.unpack("<%di" % (len(raw) // 4), raw))


def wants_part(group, name):
    """True when the group's spec names `name` as a topic part."""
    for c in group["task"]["rewardSpec"]["checkers"]:
        if c["name"] == name and c.get("external", {}).get("via") == "topic":
            return True
    return False


def producer_config(bootstrap, transactional_id):
    """The part producer's settings. The join is co-partitioned by groupId: a part must land on the
    partition Java's producer put its group on, so the partitioner is murmur2_random (Java's
    murmur2), not librdkafka's default consistent_random (CRC32), which sends about half the parts
    (of two partitions) to a task that never sees their group; those wait out the part timeout."""
    return {"bootstrap.servers": bootstrap, "linger.ms": 5, "partitioner": "murmur2_random",
            "transactional.id": transactional_id}


def trace_headers(record, name):
    """The headers of a part: the rollout's W3C trace context passed on (traceparent, tracestate),
    so the join's span of this part joins the group's trace, and who produced it (grpo-producer)."""
    out = [(k, v) for k, v in (record.headers() or []) if k in ("traceparent", "tracestate")]
    out.append(("grpo-producer", ("part-" + name).encode()))
    return out


def serve(name, score_group, group_id=None, bootstrap=None):
    """Runs forever: score_group(group) -> list of (score, reason), one per completion."""
    bootstrap = bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    group_id = group_id or "grpo-part-" + name
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group_id, "isolation.level": "read_committed",
        "enable.auto.commit": False, "auto.offset.reset": "earliest",
        "max.partition.fetch.bytes": 4194304})
    producer = Producer(producer_config(
        bootstrap, os.environ.get("GRPO_PART_TRANSACTIONAL_ID", group_id + "-0")))
    producer.init_transactions()
    consumer.subscribe([ROLLOUTS])
    print("part service '%s' consuming %s as %s" % (name, ROLLOUTS, group_id), flush=True)
    while True:
        records = consumer.consume(num_messages=64, timeout=0.1)
        if not records:
            continue
        errors = [r.error() for r in records if r.error()]
        for e in errors:
            if e.fatal():
                raise KafkaException(e)
            print("part service '%s': %s (retrying)" % (name, e.str()), flush=True)
        records = [r for r in records if not r.error()]
        if not records:
            continue
        producer.begin_transaction()
        for r in records:
            # A record that is not a RolloutGroup (poison, another event type) is the reward
            # service's to dead-letter; a part service skips it rather than die on it.
            try:
                group = json.loads(r.value())
                if not wants_part(group, name):
                    continue
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                print("part service '%s': skipped %s-%d@%d: %r"
                      % (name, r.topic(), r.partition(), r.offset(), e), flush=True)
                continue
            scored = score_group(group)
            part = {"schemaVersion": 1, "runId": group["runId"], "groupId": group["groupId"],
                    "checker": name, "scores": [float(s) for s, _ in scored],
                    "reasons": [str(why) for _, why in scored]}
            producer.produce(PARTS, key=group["groupId"], value=json.dumps(part),
                             headers=trace_headers(r, name))
        offsets = [TopicPartition(r.topic(), r.partition(), r.offset() + 1) for r in records]
        producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata())
        producer.commit_transaction()


if __name__ == "__main__":
    sys.exit("import this module from your part service, e.g. topic_reward.py")
