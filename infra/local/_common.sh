# Shared by infra/local/kafka and infra/local/postgres; sourced, not run.
# Each service: one JVM running a main class of local-infra, a pid file and a log under the work dir.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="${GRPO_WORK_DIR:-$ROOT/work}"
CACHE="$ROOT/work/local-infra"   # built jar + classpath, shared by both scripts

die() { echo "$NAME: $*" >&2; exit 1; }

find_java() {
  if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
    [[ -x "$JAVA" ]] || die "Java not found: JAVA_HOME=$JAVA_HOME has no bin/java"
  else
    JAVA="$(command -v java || true)"
    [[ -n "$JAVA" ]] || die "Java not found: install JDK 17 or set JAVA_HOME"
  fi
}

# Classpath of local-infra: GRPO_INFRA_CLASSPATH when given (tests), else the cached jar plus its
# Maven dependencies, rebuilt when a source or the pom is newer than the cache.
resolve_classpath() {
  if [[ -n "${GRPO_INFRA_CLASSPATH:-}" ]]; then CLASSPATH_VALUE="$GRPO_INFRA_CLASSPATH"; return; fi
  local jar="$CACHE/local-infra.jar" cp="$CACHE/classpath.txt"
  if [[ ! -f "$jar" || ! -f "$cp" || -n "$(find "$ROOT/local-infra/src/main" "$ROOT/local-infra/pom.xml" "$ROOT/pom.xml" -newer "$jar" -type f 2>/dev/null | head -1)" ]]; then
    command -v mvn >/dev/null || die "Maven not found and local-infra is not built yet (needed once)"
    mkdir -p "$CACHE" || die "cannot create $CACHE"
    echo "$NAME: building local-infra (once; later starts reuse $CACHE)" >&2
    (cd "$ROOT" && mvn -B -q -pl local-infra -am install -DskipTests >"$CACHE/build.log" 2>&1 \
      && mvn -B -q -pl local-infra dependency:build-classpath -Dmdep.includeScope=runtime \
           -Dmdep.outputFile="$cp" >>"$CACHE/build.log" 2>&1) \
      || die "building local-infra failed, see $CACHE/build.log"
    cp "$ROOT"/local-infra/target/local-infra-*.jar "$jar" || die "no local-infra jar after the build"
  fi
  CLASSPATH_VALUE="$jar:$(cat "$cp")"
}

pid_alive() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

port_in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_dir_writable() {
  local dir="$1"
  mkdir -p "$dir" 2>/dev/null || die "data directory $dir cannot be created"
  # -w is always true for root, so really write.
  local probe="$dir/.write-probe.$$"
  ( : >"$probe" ) 2>/dev/null || die "data directory $dir is not writable"
  rm -f "$probe"
}

# start_service MAIN_CLASS PORT DATA_DIR: refuses on running/port/java/dir, then waits for READY.
start_service() {
  local main="$1" port="$2" data="$3"
  [[ "$port" =~ ^[0-9]+$ ]] && (( port >= 1 && port <= 65535 )) || die "port must be 1-65535, was '$port'"
  if pid_alive; then die "already running (pid $(cat "$PIDFILE")); use '$0 stop' first"; fi
  rm -f "$PIDFILE"
  find_java
  port_in_use "$port" && die "port $port on 127.0.0.1 is already in use by another process"
  check_dir_writable "$data"
  mkdir -p "$WORK" || die "cannot create $WORK"
  resolve_classpath
  : >"$LOGFILE" || die "cannot write log $LOGFILE"
  # setsid: the service must outlive this shell and not get its terminal's signals.
  setsid "$JAVA" -Xmx${JVM_HEAP:-1g} -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
    -Djava.io.tmpdir="$data" -cp "$CLASSPATH_VALUE" "$main" >>"$LOGFILE" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  local waited=0
  while (( waited < ${START_TIMEOUT_S:-60} * 10 )); do
    if grep -q '^READY ' "$LOGFILE"; then
      echo "$NAME: running (pid $pid) $(grep -m1 '^READY ' "$LOGFILE" | cut -d' ' -f2-)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      local reason; reason="$(grep -m1 'refusing to start' "$LOGFILE" | sed "s/^$NAME: //")"
      die "${reason:-exited during start, see $LOGFILE}"
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  kill -TERM "$pid" 2>/dev/null; rm -f "$PIDFILE"
  die "not ready after ${START_TIMEOUT_S:-60} s, stopped it; see $LOGFILE"
}

stop_service() {
  if ! pid_alive; then rm -f "$PIDFILE"; echo "$NAME: not running"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    echo "$NAME: did not stop within 30 s, killed pid $pid" >&2
  fi
  rm -f "$PIDFILE"
  echo "$NAME: stopped (pid $pid)"
}

status_service() {
  if pid_alive; then
    echo "$NAME: running (pid $(cat "$PIDFILE")) $(grep -m1 '^READY ' "$LOGFILE" 2>/dev/null | cut -d' ' -f2-)"
  else
    echo "$NAME: stopped"
    return 3
  fi
}
