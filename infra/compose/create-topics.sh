#!/bin/sh
# Creates the GRPO topics with the partitions and configs of docs/operations.md ("Topics").
# Run by the kafka-init service (infra/containers/test runs it under podman-compose).
# Idempotent: --if-not-exists, so re-running `docker compose up` is harmless.
# Env: BOOTSTRAP (default kafka:9092), REPLICATION_FACTOR (default 1: a one-node broker),
# WAIT_SECONDS (default 120): how long to wait for the broker, since podman-compose ignores the
# service_healthy condition that docker compose waits for.
set -eu

BOOTSTRAP="${BOOTSTRAP:-kafka:9092}"
RF="${REPLICATION_FACTOR:-1}"
TOPICS=/opt/kafka/bin/kafka-topics.sh
DAY_MS=86400000

waited=0
until "$TOPICS" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; do
  if [ "$waited" -ge "${WAIT_SECONDS:-120}" ]; then
    echo "kafka-init: no broker at $BOOTSTRAP after ${waited}s" >&2
    exit 1
  fi
  sleep 2; waited=$((waited + 2))
done

create() { # name partitions config...
  name="$1"; partitions="$2"; shift 2
  args=""
  for c in "$@"; do args="$args --config $c"; done
  # shellcheck disable=SC2086 # args is a list of words on purpose
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name" \
    --partitions "$partitions" --replication-factor "$RF" $args
  echo "topic $name: $partitions partitions, rf $RF${args:+,$args}"
}

create grpo.prompts      12 "retention.ms=$((7 * DAY_MS))"
create grpo.rollouts     12 "max.message.bytes=4194304" "compression.type=producer" "retention.ms=$((7 * DAY_MS))"
create grpo.scored        6 "max.message.bytes=4194304" "retention.ms=$((7 * DAY_MS))"
create grpo.reward-parts 12 "retention.ms=$((7 * DAY_MS))"
create grpo.policy        1 "cleanup.policy=compact" "min.compaction.lag.ms=60000"
create grpo.steps         3 "retention.ms=$((30 * DAY_MS))"
create grpo.dlq           3 "retention.ms=$((30 * DAY_MS))"

"$TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --topics-with-overrides | grep '^Topic: grpo\.' || true
