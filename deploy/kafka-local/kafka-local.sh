#!/usr/bin/env bash
# Runs a genuine single-node Apache Kafka (KRaft, combined broker + controller) from the official
# jars on Maven Central, for machines without Docker (CI runners, sandboxes, laptops).
#
#   kafka-local.sh start            fetch jars (once), format storage (once), start, wait until ready
#   kafka-local.sh stop             SIGTERM, wait for a clean shutdown, SIGKILL only as a last resort
#   kafka-local.sh status           exit 0 when running (prints pid/address), 3 when not
#   kafka-local.sh logs [-f] [N]    last N (200) lines of the broker log, -f to follow
#   kafka-local.sh topics ARGS...   kafka-topics (TopicCommand) against this broker, e.g. --list
#
# `start` prints only the bootstrap address on stdout (everything else goes to stderr), so
# `KAFKA_BROKERS="$(kafka-local.sh start)"` works. Environment:
#   KAFKA_LOCAL_PORT             client listener port (9092)
#   KAFKA_LOCAL_CONTROLLER_PORT  KRaft controller port (9093)
#   KAFKA_LOCAL_DIR              config/data/log/pid dir (deploy/kafka-local/.run/<port>)
#   KAFKA_LOCAL_CACHE            jar cache, shareable between checkouts/CI jobs (deploy/kafka-local/.cache)
#   KAFKA_LOCAL_HEAP_OPTS        broker heap ("-Xms256m -Xmx512m")
#   KAFKA_LOCAL_START_TIMEOUT    seconds to wait for readiness (120)
#   KAFKA_LOCAL_STOP_TIMEOUT     seconds to wait for a clean shutdown before SIGKILL (30)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HOST=127.0.0.1
PORT="${KAFKA_LOCAL_PORT:-9092}"
CPORT="${KAFKA_LOCAL_CONTROLLER_PORT:-9093}"
CACHE="${KAFKA_LOCAL_CACHE:-$HERE/.cache}"
RUN_DIR="${KAFKA_LOCAL_DIR:-$HERE/.run/$PORT}"
HEAP_OPTS="${KAFKA_LOCAL_HEAP_OPTS:--Xms256m -Xmx512m}"
START_TIMEOUT="${KAFKA_LOCAL_START_TIMEOUT:-120}"
STOP_TIMEOUT="${KAFKA_LOCAL_STOP_TIMEOUT:-30}"

LIBS="$CACHE/libs"
CONFIG="$RUN_DIR/server.properties"
LOG4J="$RUN_DIR/log4j.properties"
TOOLS_LOG4J="$RUN_DIR/tools-log4j.properties"
CLIENT_CONFIG="$RUN_DIR/client.properties"
DATA_DIR="$RUN_DIR/data"
LOG_FILE="$RUN_DIR/kafka.log"
PID_FILE="$RUN_DIR/kafka.pid"
ADDR="$HOST:$PORT"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
# CLI tools are short-lived: C1 only, small serial heap, so each call costs ~1 s rather than ~3 s.
TOOL_JVM_OPTS=(-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)

say() { printf 'kafka-local: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    say "last lines of $LOG_FILE:"
    tail -n "${1:-40}" "$LOG_FILE" >&2 || true
  fi
}

is_port() { [[ "$1" =~ ^[0-9]+$ ]] && (( "$1" >= 1 && "$1" <= 65535 )); }

validate() {
  is_port "$PORT" || die "KAFKA_LOCAL_PORT must be a TCP port, got '$PORT'"
  is_port "$CPORT" || die "KAFKA_LOCAL_CONTROLLER_PORT must be a TCP port, got '$CPORT'"
  [[ "$PORT" != "$CPORT" ]] || die "KAFKA_LOCAL_PORT and KAFKA_LOCAL_CONTROLLER_PORT must differ (both $PORT)"
  [[ "$START_TIMEOUT" =~ ^[0-9]+$ ]] || die "KAFKA_LOCAL_START_TIMEOUT must be whole seconds, got '$START_TIMEOUT'"
  [[ "$STOP_TIMEOUT" =~ ^[0-9]+$ ]] || die "KAFKA_LOCAL_STOP_TIMEOUT must be whole seconds, got '$STOP_TIMEOUT'"
}

# Runs "$@" under a time limit when coreutils' timeout exists (it does not on stock macOS).
with_timeout() {
  local secs="$1"; shift
  if command -v timeout >/dev/null 2>&1; then timeout "$secs" "$@"; else "$@"; fi
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no nc needed).
port_open() { with_timeout 2 bash -c ": <'/dev/tcp/$HOST/$1'" >/dev/null 2>&1; }

read_pid() { if [[ -f "$PID_FILE" ]]; then tr -dc '0-9' <"$PID_FILE"; fi; }

# Running = the pid is alive AND is a kafka.Kafka started with *this* config, so a recycled pid
# or another instance's broker is never mistaken for ours (and never signalled).
is_running() {
  local pid
  pid="$(read_pid)"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -ww -o args= -p "$pid" 2>/dev/null | grep -qF -- "kafka.Kafka $CONFIG"
}

require_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (Kafka 3.9 needs Java 11+, 17 recommended); install a JDK or set JAVA_HOME"
  local version major
  version="$("$JAVA" -version 2>&1 | head -n 1)"
  major="$(sed -E 's/.*version "(1\.)?([0-9]+).*/\2/' <<<"$version")"
  if [[ "$major" =~ ^[0-9]+$ ]] && (( major < 11 )); then
    die "Kafka 3.9 needs Java 11+ (17 recommended); found: $version"
  fi
}

# A fingerprint of pom.xml: the cache is refetched whenever the pinned versions change.
pom_stamp() { cksum <"$HERE/pom.xml" | tr -s ' ' '-'; }

have_jars() { [[ -f "$LIBS/.stamp" && "$(cat "$LIBS/.stamp")" == "$(pom_stamp)" ]]; }

fetch_jars() {
  have_jars && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven 3.6.3+ is needed once to fetch the Kafka jars into $LIBS"
  mkdir -p "$CACHE"
  # Parallel test runs share the cache: serialise the fetch, then re-check under the lock.
  exec 9>"$CACHE/.fetch.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 900 9 || die "timed out waiting for another fetch holding $CACHE/.fetch.lock"
  fi
  if ! have_jars; then
    say "fetching Kafka jars from Maven Central into $LIBS (once) ..."
    local tmp
    tmp="$(mktemp -d "$CACHE/libs.tmp.XXXXXX")"
    if ! mvn -B -q -f "$HERE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE/fetch.log" 2>&1; then
      rm -rf "$tmp"
      tail -n 30 "$CACHE/fetch.log" >&2 || true
      die "maven could not fetch the Kafka jars (full output: $CACHE/fetch.log)"
    fi
    pom_stamp >"$tmp/.stamp"
    # Swap in whole: a half-finished download never looks complete.
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
  fi
  exec 9>&-
}

write_config() {
  mkdir -p "$DATA_DIR"
  cat >"$CONFIG" <<EOF
# Written by kafka-local.sh on every start (edit the script, not this file).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CPORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA_DIR
# Kafka's default; Omni creates every topic explicitly with the registry's partition count.
num.partitions=1
# Omni topics are created on purpose, never by a typo'd producer.
auto.create.topics.enable=false
# A single node can only hold one replica of the internal topics.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Tests start consumers constantly; the default 3 s join delay would only slow them down.
group.initial.rebalance.delay.ms=0
EOF
  # The broker logs INFO to stdout (redirected to kafka.log); the chattiest parts are trimmed.
  cat >"$LOG4J" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.storage=WARN
log4j.logger.kafka.log=WARN
EOF
  cat >"$TOOLS_LOG4J" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  # Tool calls must fail fast while the broker is still coming up, not hang for the 60 s default.
  cat >"$CLIENT_CONFIG" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$("$JAVA" "${TOOL_JVM_OPTS[@]}" -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$LIBS/*" \
    kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed"
  say "formatting KRaft storage in $DATA_DIR (cluster id $cluster_id)"
  "$JAVA" "${TOOL_JVM_OPTS[@]}" -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$LIBS/*" \
    kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$CONFIG" >&2 \
    || die "StorageTool format failed for $DATA_DIR"
}

run_tool() {
  "$JAVA" "${TOOL_JVM_OPTS[@]}" -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$LIBS/*" "$@"
}

# Ready = the log says the server started AND a real admin round trip (metadata + list topics)
# succeeds: an open port alone only means the socket server is bound.
wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! is_running; then
      log_tail 60
      die "the broker exited during start-up (see $LOG_FILE)"
    fi
    if port_open "$PORT" && grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null; then
      if with_timeout 30 "$JAVA" "${TOOL_JVM_OPTS[@]}" -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$LIBS/*" \
        org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" --command-config "$CLIENT_CONFIG" --list \
        >/dev/null 2>&1; then
        return 0
      fi
    fi
    if (( SECONDS >= deadline )); then
      log_tail 60
      # Do not leave a half-started broker holding the ports behind a failed start.
      say "the broker did not become ready on $ADDR within ${START_TIMEOUT}s; stopping it"
      cmd_stop
      die "start-up timed out after ${START_TIMEOUT}s (raise KAFKA_LOCAL_START_TIMEOUT on slow machines; log: $LOG_FILE)"
    fi
    sleep 0.5
  done
}

cmd_start() {
  validate
  if is_running; then
    say "already running (pid $(read_pid), dir $RUN_DIR)"
    wait_ready
    echo "$ADDR"
    return 0
  fi
  rm -f "$PID_FILE"
  port_open "$PORT" && die "port $PORT is already in use by another process (choose KAFKA_LOCAL_PORT)"
  port_open "$CPORT" && die "controller port $CPORT is already in use by another process (choose KAFKA_LOCAL_CONTROLLER_PORT)"
  require_java
  fetch_jars
  mkdir -p "$RUN_DIR"
  write_config
  format_storage
  # Keep the previous run's log for post-mortems, start the new one empty (readiness greps it).
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  local -a launcher=()
  # Own session: Ctrl-C in the terminal (or the test runner's process group) must not kill the broker
  # behind `stop`'s back. setsid execs without forking here, so $! is the JVM's pid.
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # (the ${a[@]+...} form keeps `set -u` happy with an empty array on bash 3.2)
  # shellcheck disable=SC2086 # HEAP_OPTS is a list of JVM flags on purpose
  ${launcher[@]+"${launcher[@]}"} nohup "$JAVA" $HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$RUN_DIR" \
    -cp "$LIBS/*" kafka.Kafka "$CONFIG" \
    </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  echo "$!" >"$PID_FILE"
  say "starting broker (pid $!, dir $RUN_DIR) ..."
  wait_ready
  say "ready on $ADDR"
  echo "$ADDR"
}

cmd_stop() {
  validate
  if ! is_running; then
    rm -f "$PID_FILE"
    say "not running (dir $RUN_DIR)"
    return 0
  fi
  local pid deadline
  pid="$(read_pid)"
  say "stopping pid $pid ..."
  # SIGTERM runs Kafka's shutdown hook: controlled shutdown, flush, clean-shutdown marker (so the
  # next start skips log recovery).
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while is_running; do
    if (( SECONDS >= deadline )); then
      say "no clean shutdown within ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  validate
  if is_running; then
    local state=starting
    port_open "$PORT" && grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null && state=ready
    say "running ($state), pid $(read_pid), dir $RUN_DIR"
    echo "$ADDR"
    return 0
  fi
  say "not running (dir $RUN_DIR)"
  return 3
}

cmd_logs() {
  local follow=0 lines=200
  while (( $# )); do
    case "$1" in
      -f|--follow) follow=1 ;;
      *) [[ "$1" =~ ^[0-9]+$ ]] || die "usage: $0 logs [-f] [lines]"; lines="$1" ;;
    esac
    shift
  done
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  if (( follow )); then exec tail -n "$lines" -f "$LOG_FILE"; fi
  tail -n "$lines" "$LOG_FILE"
}

cmd_topics() {
  validate
  have_jars || die "no jars in $LIBS yet: run '$0 start' first"
  is_running || die "not running (dir $RUN_DIR): run '$0 start' first"
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" "$@"
}

usage() {
  # The header comment is the manual.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    topics) cmd_topics "$@" ;;
    *) usage ;;
  esac
}

main "$@"
