# Shared by the scripts in infra/containers; sourced, not run.
# podman (runc, explicit ulimits via containers.conf), image names, the work/cache directories.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${GRPO_CONTAINERS_WORK:-$ROOT/work/containers}"     # build contexts, logs, reports
CACHE="${GRPO_CONTAINERS_CACHE:-$WORK/cache}"              # the base image's root filesystem tar

# podman reads its settings from here unless the caller points elsewhere.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$HERE/containers.conf}"

# Every image these scripts build carries this label, so cleanup finds exactly those.
BUILT_BY_LABEL="dev.grpo.built-by=infra-containers"

BASE_IMAGE="localhost/grpo/base-jre:bookworm"
KAFKA_IMAGE="localhost/grpo/kafka:4.1.2-local"
POSTGRES_IMAGE="localhost/grpo/postgres:15-local"
PROMETHEUS_IMAGE="localhost/grpo/prometheus:local"
SERVICE_IMAGES=(localhost/grpo/trainer-service:latest localhost/grpo/rollout-service:latest
                localhost/grpo/reward-service:latest)

T0=${T0:-$SECONDS}
say() { printf 'containers [%3ds]: %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

# timing NAME SECONDS: one line per phase in $WORK/timings.txt (read by the report).
# TIMINGS: where the lines go (the Testcontainers run keeps its own file).
timing() { mkdir -p "$WORK"; printf '%s %s\n' "$1" "$2" >>"${TIMINGS:-$WORK/timings.txt}"; say "$1 took $2 s"; }

require_tools() {
  local t missing=()
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  ((${#missing[@]} == 0)) || die "missing: ${missing[*]} (Debian: apt-get install podman runc debootstrap podman-compose)"
}

image_exists() { podman image exists "$1"; }
