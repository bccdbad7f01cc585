#!/bin/sh
# kafka-run-class.sh CLASS [ARGS...]: one Kafka tool on the image's jars. Tools are short-lived JVMs,
# so they start with C1 only and a serial GC (KAFKA_TOOLS_OPTS overrides).
# shellcheck disable=SC2086 # KAFKA_TOOLS_OPTS is a list of words
exec java ${KAFKA_TOOLS_OPTS:--Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto} \
  -Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties \
  -cp '/opt/kafka/libs/*' "$@"
