#!/usr/bin/env bash
# Runs the whole comparison on this machine and writes docs/benchmarks.md (+ docs/img/*.png):
# every load scenario against our server and the baselines (ASP.NET Core SignalR, raw Kestrel WebSockets), targets
# alternating, several rounds; the Redis variants (ours vs SignalR's Redis backplane, presence across two gateways);
# then the BenchmarkDotNet micro-benchmarks. Everything listens on 127.0.0.1 only; every server this script starts is
# killed when it ends, also on failure or Ctrl+C.
#
# Before and after in the same run: --before REV (default e999fd3, the tree before the adapter contracts v2) checks
# REV out into a temporary git worktree outside the repository (removed again once built, and on exit), builds that
# revision's bench server with its own src/ into its own artifacts folder, and runs it as a fourth target,
# "ours-before", next to ours, SignalR and raw in every round (direct, group, idle, direct-redis, cross-node), driven by
# the same load generator exactly as ours. --before none skips it. The before tree gets this tree's bench/Shared (the
# /bench/stats endpoint, so its JIT counters are reported too); if it does not build with it, its own is used and the
# report says "n/a" for its JIT check.
#
# Warm-up is checked, not assumed: every traffic run warms up at least --warmup seconds and then until the server's
# JIT spent at most --jit-budget-ms compiling over the last --jit-quiet seconds (at most --warmup-max); results record
# the warm-up and what the JIT compiled while measuring. The in-memory traffic runs of one target share one server
# process per round (direct, half rate, groups), the Redis runs one pair of gateways (cross-node, then one gateway),
# so the JIT of the code they share is paid once.
#
# Redis path (once, round 0, ours and ours-before): the servers reach Redis through the load generator's delaying,
# command-counting proxy; sequential round trips before "sent" and before delivery (one message at a time, replies
# delayed by --delay-ms), Redis commands per message, and the commands per second of 1 and 4 idle gateways.
#
#   bench/run.sh [--rounds N] [--duration S] [--warmup S] [--jit-quiet S] [--jit-budget-ms MS] [--warmup-max S] [--idle N] [--idle-max N]
#                [--before REV|none] [--only all|memory|redis|kafka] [--delay-ms D] [--skip-micro] [--no-report] [--no-build]
#
#   --cassandra HOST:PORT  also the Cassandra rows (a node run elsewhere; see the Cassandra block below); without it
#                  they are skipped with the reason printed.
#
#   --only memory  only the in-memory scenarios of each round (1:1 at saturation and at half ours' rate, groups of 10,
#                  100 and 1,000, idle); no micro-benchmarks and no report. More rounds of the noisiest rows, to pass
#                  to bench/Report next to a full run's results.jsonl.
#   --only redis   only the Redis scenarios (direct-redis, cross-node, Redis path, catchup-redis, presence-redis); no
#                  micro-benchmarks and no report (pass its results.jsonl to bench/Report next to a full run's).
#   --only kafka   only the Kafka scenarios (Kafka backplane across two gateways, 1:1 and group of 100, against SignalR's
#                  Redis backplane in the same round; the event log's throughput); no micro-benchmarks, no report.
#
# Kafka: one librdkafka mock cluster of 3 brokers (tools/KafkaMockCluster, in memory, loopback) serves every Kafka run
# and is stopped on exit like the servers.
#
# Budget on a 2-core machine with the defaults: about 20 minutes, more when other work shares the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

rounds=3 duration=4 warmup=1 jit_quiet=2 jit_budget_ms=20 warmup_max=40 idle=5000 idle_max=18000 micro=1 report=1 build=1 before=e999fd3
only=all delay_ms=50 cassandra=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --jit-quiet) jit_quiet=$2; shift 2 ;;
    --jit-budget-ms) jit_budget_ms=$2; shift 2 ;;
    --warmup-max) warmup_max=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --idle-max) idle_max=$2; shift 2 ;;
    --skip-micro) micro=0; shift ;;
    --no-report) report=0; shift ;;
    --no-build) build=0; shift ;;
    --before) before=$2; shift 2 ;;
    --cassandra) cassandra=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$only" in
  all) ;;
  memory | redis | kafka) micro=0 report=0 ;; # a partial run: combine its results.jsonl with a full run's in bench/Report (see bench/README.md)
  *) echo "--only takes all, memory, redis or kafka, not $only" >&2; exit 2 ;;
esac
# in_part NAME: whether this run includes the scenarios of NAME (all of them, or only those of --only NAME).
in_part() { [ "$only" = all ] || [ "$only" = "$1" ]; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MESSAGING_ARTIFACTS=${MESSAGING_ARTIFACTS:-$root/artifacts/bench-build}
bin=$MESSAGING_ARTIFACTS/bin
out=$root/artifacts/bench/$(date -u +%Y%m%dT%H%M%SZ)
results=$out/results.jsonl
mkdir -p "$out"
started=$(date +%s)

log() { printf '[%4ss] %s\n' "$(( $(date +%s) - started ))" "$*" >&2; }

# --- cleanup: every process started here is tracked by pid and killed on exit; the before worktree is removed ----
pids=()
worktree=
remove_worktree() {
  if [ -n "$worktree" ]; then
    git -C "$root" worktree remove --force "$worktree" 2>/dev/null || rm -rf "$worktree"
    worktree=
  fi
}
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap 'cleanup; remove_worktree' EXIT
trap 'exit 130' INT TERM

# --- build --------------------------------------------------------------------------------------------------------
projects=(bench/Hosts/MessagingBenchServer/MessagingBenchServer.csproj bench/Baselines/SignalRChat/SignalRChat.csproj
  bench/Baselines/RawWebSocket/RawWebSocket.csproj bench/LoadGen/LoadGen.csproj bench/Report/Report.csproj)
if [ "$micro" = 1 ]; then
  projects+=(bench/Messaging.Benchmarks/Messaging.Benchmarks.csproj)
fi
if in_part kafka; then
  projects+=(tools/KafkaMockCluster/KafkaMockCluster.csproj)
fi
if [ "$build" = 1 ]; then
  for project in "${projects[@]}"; do
    log "build $project"
    dotnet build "$project" -c Release -nologo -v:q -clp:ErrorsOnly
  done
fi

# --- the before server: another revision's bench server, built from that revision's own tree ------------------
# The build output goes to its own artifacts folder, stamped with the commit it was built from, so a later run with the
# same --before reuses it instead of rebuilding.
targets=(ours signalr raw)
before_dll= before_sha=
if [ "$before" != none ]; then
  before_sha=$(git rev-parse --verify --quiet "$before^{commit}") || { echo "--before $before is not a commit" >&2; exit 2; }
  before_artifacts=$MESSAGING_ARTIFACTS-before
  before_dll=$before_artifacts/bin/MessagingBenchServer/release/MessagingBenchServer.dll
  # The stamp names the revision and the bench/Shared it was built with, so a change to either rebuilds.
  shared_sum=$(cat bench/Shared/*.cs | sha1sum | cut -c1-12)
  if [ -f "$before_dll" ] && grep -qx "$before_sha shared $shared_sum\|$before_sha own" "$before_artifacts/built-from" 2>/dev/null; then
    log "ours-before: reusing the build of $before (${before_sha:0:10}) in $before_artifacts ($(cut -d' ' -f2- "$before_artifacts/built-from") bench/Shared)"
  else
    worktree=$(mktemp -d "${TMPDIR:-/tmp}/messaging-before.XXXXXX")
    log "ours-before: $before (${before_sha:0:10}) checked out in $worktree, building into $before_artifacts"
    git worktree add --detach --quiet "$worktree" "$before_sha"
    [ -f "$worktree/bench/Hosts/MessagingBenchServer/MessagingBenchServer.csproj" ] \
      || { echo "$before has no bench/Hosts/MessagingBenchServer" >&2; exit 2; }
    rm -f "$before_artifacts/built-from"
    # This tree's bench/Shared (what /bench/stats reports, not what is measured), so the old server reports its JIT
    # counters too; an old tree it does not fit is built with its own and reports none ("n/a" in the report).
    cp bench/Shared/*.cs "$worktree/bench/Shared/"
    stamp="$before_sha shared $shared_sum"
    if ! MESSAGING_ARTIFACTS=$before_artifacts dotnet build "$worktree/bench/Hosts/MessagingBenchServer/MessagingBenchServer.csproj" \
      -c Release -nologo -v:q -clp:ErrorsOnly; then
      log "ours-before: $before does not build with this bench/Shared; building it with its own (no JIT counters)"
      git -C "$worktree" checkout --quiet -- bench/Shared
      git -C "$worktree" clean -fdq -- bench/Shared
      MESSAGING_ARTIFACTS=$before_artifacts dotnet build "$worktree/bench/Hosts/MessagingBenchServer/MessagingBenchServer.csproj" \
        -c Release -nologo -v:q -clp:ErrorsOnly
      stamp="$before_sha own"
    fi
    echo "$stamp" >"$before_artifacts/built-from"
    # The built server runs from the artifacts folder and needs nothing from the worktree.
    remove_worktree
  fi
  targets=(ours ours-before signalr raw)
fi

# --- servers ------------------------------------------------------------------------------------------------------
server_dll() {
  case "$1" in
    ours) echo "$bin/MessagingBenchServer/release/MessagingBenchServer.dll" ;;
    ours-before) echo "$before_dll" ;;
    signalr) echo "$bin/SignalRChat/release/SignalRChat.dll" ;;
    raw) echo "$bin/RawWebSocket/release/RawWebSocket.dll" ;;
  esac
}

# start_server NAME ARGS... : starts a server on a free loopback port; sets $url and $server_pid.
start_server() {
  local name=$1; shift
  local logfile="$out/server-$name-$RANDOM.log"
  dotnet "$(server_dll "$name")" "$@" >"$logfile" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  local i
  for i in $(seq 1 300); do
    if url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$logfile" 2>/dev/null | head -n 1) && [ -n "$url" ]; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "server $name did not start:" >&2
  cat "$logfile" >&2
  return 1
}

stop_server() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

redis_port=
start_redis() {
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local dir="$out/redis"
  mkdir -p "$dir"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no --daemonize no \
    --loglevel warning >"$out/redis.log" 2>&1 &
  pids+=("$!")
  local i
  for i in $(seq 1 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis-server did not start" >&2
  return 1
}

flush_redis() { redis-cli -p "$redis_port" flushall >/dev/null; }

# The load generator's Redis proxy (delays replies on request, counts commands); sets $proxy_port and $proxy_control.
proxy_port= proxy_control=
start_proxy() {
  local logfile="$out/redis-proxy.log" line i
  dotnet "$bin/LoadGen/release/LoadGen.dll" redis-proxy --upstream "127.0.0.1:$redis_port" >"$logfile" 2>&1 &
  pids+=("$!")
  for i in $(seq 1 300); do
    if line=$(grep -m1 '^listening redis' "$logfile" 2>/dev/null) && [ -n "$line" ]; then
      proxy_port=$(echo "$line" | awk '{print $3}' | cut -d: -f2)
      proxy_control=$(echo "$line" | awk '{print $5}')
      return 0
    fi
    sleep 0.1
  done
  echo "the Redis proxy did not start:" >&2
  cat "$logfile" >&2
  return 1
}

loadgen() {
  # A failed run is recorded as a result with an error; the comparison goes on.
  dotnet "$bin/LoadGen/release/LoadGen.dll" --out "$results" "$@" >>"$out/loadgen.log" 2>&1 || log "  run failed: $*"
}

# run TARGET SCENARIO-LABEL [SERVER-ARGS --] LOADGEN-ARGS...
run() {
  local target=$1 label=$2; shift 2
  local server_args=()
  if [ "${1:-}" = "--server-args" ]; then
    shift
    while [ "$1" != "--" ]; do server_args+=("$1"); shift; done
    shift
  fi
  start_server "$target" "${server_args[@]}"
  log "  $label $target"
  loadgen --server "$url" $(target_args "$target") --label "$label" --round "$round" "$@"
  stop_server "$server_pid"
}

# run_pair TARGET LABEL SERVER-ARGS... -- LOADGEN-ARGS... : two servers of TARGET (two gateways sharing Redis), the
# load generator's users split between them (--server and --server2).
run_pair() {
  local target=$1 label=$2; shift 2
  local server_args=()
  while [ "$1" != "--" ]; do server_args+=("$1"); shift; done
  shift
  start_server "$target" "${server_args[@]}"
  local first=$url first_pid=$server_pid
  start_server "$target" "${server_args[@]}"
  log "  $label $target (two gateways)"
  loadgen --server "$first" --server2 "$url" $(target_args "$target") --label "$label" --round "$round" "$@"
  stop_server "$server_pid"
  stop_server "$first_pid"
}

# measure TARGET LABEL LOADGEN-ARGS... : one load-generator run against the server already running at $url (and $url2,
# a second gateway, when set).
url2=
measure() {
  local target=$1 label=$2; shift 2
  log "  $label $target${url2:+ (two gateways)}"
  loadgen --server "$url" ${url2:+--server2 "$url2"} $(target_args "$target") --label "$label" --round "$round" "$@"
}

# ours-before is spoken to exactly as ours; only the name in results.jsonl differs.
target_args() {
  case "$1" in
    ours-before) echo "--target ours --name ours-before" ;;
    *) echo "--target $1" ;;
  esac
}

# The last result line of a label, target and round as one number (jq path), or empty.
last_value() {
  jq -r --arg l "$1" --arg t "$2" --argjson r "$round" "select(.label==\$l and .target==\$t and .round==\$r) | $3 // empty" "$results" | tail -n 1
}

rotate() { # prints the targets starting at offset $1
  local n=${#targets[@]} i
  for i in $(seq 0 $((n - 1))); do echo "${targets[$(( ($1 + i) % n ))]}"; done
}

# --- machine ------------------------------------------------------------------------------------------------------
{
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "dotnet: $(dotnet --version)"
  echo "redis: $(redis-server --version | awk '{print $3}')"
  echo "open files limit: $(ulimit -n)"
  echo "ours: $(git rev-parse --short=10 HEAD)$(git status --porcelain -- src bench/Hosts bench/Shared | grep -q . && echo " + uncommitted changes under src/ or bench/")"
  if [ -n "$before_sha" ]; then echo "ours-before: $before (${before_sha:0:10})"; fi
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "started: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$out/machine.txt"
cat "$out/machine.txt" >&2

common=(--duration "$duration" --warmup "$warmup" --jit-quiet "$jit_quiet" --jit-budget-ms "$jit_budget_ms" --warmup-max "$warmup_max")
redis_targets=() # ours, ours-before and SignalR (raw has no backplane), in rotating order
start_redis
redis_stats=(--redis "127.0.0.1:$redis_port")

# === Kafka (issue 12) ===============================================================================================
# Our gateways with the Kafka backplane (Redis for the stores, as in the cross-node Redis row) against SignalR on two
# servers sharing its Redis backplane, in the same round; and the Kafka event log's throughput. Every Kafka run uses one
# mock cluster of 3 brokers started here (tools/KafkaMockCluster); it stops when its stdin (a FIFO this script holds
# open on fd 9) closes or on the cleanup's SIGTERM, whichever comes first.
kafka_bootstrap=
start_kafka() {
  local logfile="$out/kafka-mock-cluster.log" fifo="$out/kafka-mock-cluster.stdin" i
  mkfifo "$fifo"
  dotnet "$bin/KafkaMockCluster/release/KafkaMockCluster.dll" 3 <"$fifo" >"$logfile" 2>&1 &
  pids+=("$!")
  exec 9>"$fifo"
  for i in $(seq 1 300); do
    if kafka_bootstrap=$(grep -m1 -E '^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+)*$' "$logfile" 2>/dev/null) && [ -n "$kafka_bootstrap" ]; then
      log "Kafka mock cluster (3 brokers): $kafka_bootstrap"
      return 0
    fi
    sleep 0.1
  done
  echo "the Kafka mock cluster did not start:" >&2
  cat "$logfile" >&2
  return 1
}

# One round of the Kafka scenarios, targets in this round's order:
# - ours: two gateways on Redis stores and the Kafka backplane, each pair's users split between them so every message
#   crosses Kafka: 1:1 at saturation, then at half that rate (p99), then a group of 100 spread over both gateways;
# - SignalR: two servers sharing its Redis backplane, the same 1:1 (unless the Redis part of this run already measured
#   it in this round: direct-redis-cross-node-saturate) and the same group of 100;
# - ours on the Redis backplane (two gateways, the same 1:1) when the Redis part does not run (--only kafka), so the
#   Kafka backplane is also compared with ours on Redis in the same round;
# - the event log: one gateway (in-memory stores) appending to the Kafka event log, a reader of its topic in the load
#   generator: committed messages/s reaching the reader, commit -> reader p99.
kafka_round() {
  local target half
  local kafka_targets=(ours signalr)
  if ! in_part redis; then
    kafka_targets+=(ours-redis)
  fi
  for target in $(printf '%s\n' "${kafka_targets[@]}" | awk -v r="$round" '{ t[NR - 1] = $0 } END { for (i = 0; i < NR; i++) print t[(r + i) % NR] }'); do
    flush_redis
    if [ "$target" = ours-redis ]; then
      start_server ours --redis "127.0.0.1:$redis_port"
      first=$url first_pid=$server_pid
      start_server ours --redis "127.0.0.1:$redis_port"
      url2=$url url=$first
      measure ours direct-redis-cross-node-saturate "${common[@]}" "${redis_stats[@]}" --scenario direct --pairs 20 --saturate --window 8
    elif [ "$target" = ours ]; then
      start_server ours --redis "127.0.0.1:$redis_port" --kafka "$kafka_bootstrap"
      first=$url first_pid=$server_pid
      start_server ours --redis "127.0.0.1:$redis_port" --kafka "$kafka_bootstrap"
      url2=$url url=$first
      measure ours direct-kafka-cross-node-saturate "${common[@]}" --scenario direct --pairs 20 --saturate --window 8
      half=$(last_value direct-kafka-cross-node-saturate ours '(.delivered_per_sec / 2 | floor)')
      if [ -n "$half" ] && [ "$half" -gt 0 ]; then
        measure ours direct-kafka-cross-node-half-rate "${common[@]}" --scenario direct --pairs 20 --rate "$half"
      fi
      measure ours group-100-kafka-cross-node "${common[@]}" --scenario group --group-size 100 --senders 4 --saturate --window 4
    else
      start_server signalr --redis "127.0.0.1:$redis_port"
      first=$url first_pid=$server_pid
      start_server signalr --redis "127.0.0.1:$redis_port"
      url2=$url url=$first
      if ! in_part redis; then
        measure signalr direct-redis-cross-node-saturate "${common[@]}" "${redis_stats[@]}" --scenario direct --pairs 20 --saturate --window 8
      fi
      measure signalr group-100-redis-cross-node "${common[@]}" --scenario group --group-size 100 --senders 4 --saturate --window 4
    fi
    stop_server "$server_pid"
    stop_server "$first_pid"
    url2=
  done

  run ours event-log-saturate --server-args --kafka-event-log "$kafka_bootstrap" -- \
    "${common[@]}" --scenario event-log --kafka "$kafka_bootstrap" --pairs 20 --saturate --window 8
}

if in_part kafka; then
  start_kafka
fi
# === end of Kafka ===================================================================================================

# --- rounds -------------------------------------------------------------------------------------------------------
for round in $(seq 1 "$rounds"); do
  log "round $round of $rounds"

  if in_part memory; then
    # In-memory traffic: one server process per target and round, its runs one after the other (direct at saturation,
    # at half of ours' saturation rate, groups of 10, 100, 1,000), each warmed until the server's JIT is quiet, so the
    # JIT of the code the runs share is paid once per round. ours goes first: its saturation rate sets the half rate.
    half=
    for target in ours $(rotate "$round" | grep -v '^ours$'); do
      start_server "$target"
      measure "$target" direct-saturate "${common[@]}" --scenario direct --pairs 20 --saturate --window 8
      if [ "$target" = ours ]; then
        half=$(last_value direct-saturate ours '(.delivered_per_sec / 2 | floor)')
      fi
      if [ -n "$half" ] && [ "$half" -gt 0 ]; then
        measure "$target" direct-half-rate "${common[@]}" --scenario direct --pairs 20 --rate "$half"
      fi
      for size in 10 100 1000; do
        senders=4; [ "$size" = 1000 ] && senders=2
        measure "$target" "group-$size" "${common[@]}" --scenario group --group-size "$size" --senders "$senders" --saturate --window 4
      done
      stop_server "$server_pid"
    done

    for target in $(rotate "$round"); do
      run "$target" idle --scenario idle --connections "$idle" --sources 2 --hold 3
    done
  fi

  # Redis: our stores + backplane against SignalR's Redis backplane (flushed before each target), Redis's command
  # counters read at the start and end of each measurement. Two gateways sharing Redis first, each pair's users split
  # between them so every message crosses the backplane; then the second gateway stops and the first (already warm)
  # carries all pairs alone.
  if in_part redis; then
  mapfile -t redis_targets < <(rotate "$round" | grep -v '^raw$')
  for target in "${redis_targets[@]}"; do
    flush_redis
    start_server "$target" --redis "127.0.0.1:$redis_port"
    first=$url first_pid=$server_pid
    start_server "$target" --redis "127.0.0.1:$redis_port"
    url2=$url url=$first
    measure "$target" direct-redis-cross-node-saturate "${common[@]}" "${redis_stats[@]}" --scenario direct --pairs 20 --saturate --window 8
    stop_server "$server_pid"
    url2=
    measure "$target" direct-redis-saturate "${common[@]}" "${redis_stats[@]}" --scenario direct --pairs 20 --saturate --window 8
    stop_server "$first_pid"
  done

  if [ "$only" = all ]; then
    flush_redis
    run ours catchup --scenario catchup --messages 10000
  fi
  flush_redis
  run ours catchup-redis --server-args --redis "127.0.0.1:$redis_port" -- --scenario catchup --messages 10000

  # Presence across two gateways sharing Redis; grace 0 so the offline time is the propagation, not the grace.
  flush_redis
  start_server ours --redis "127.0.0.1:$redis_port" --grace-ms 0
  first=$url first_pid=$server_pid
  start_server ours --redis "127.0.0.1:$redis_port" --grace-ms 0
  log "  presence-redis ours (two gateways)"
  loadgen --server "$first" --server2 "$url" --target ours --scenario presence --trials 50 --label presence-redis --round "$round"
  stop_server "$server_pid"
  stop_server "$first_pid"
  fi

  if in_part kafka; then
    kafka_round
  fi
done

# --- Redis path: round trips and commands per message through the delaying proxy; idle gateways' background work ----
if in_part redis; then
round=0
start_proxy
log "Redis path (proxy on port $proxy_port, reply delay $delay_ms ms)"
via_proxy=(--redis "127.0.0.1:$proxy_port")
path_stats=("${redis_stats[@]}" --redis-proxy "$proxy_control")
for target in ours ${before_sha:+ours-before}; do
  flush_redis
  run "$target" redis-roundtrips --server-args "${via_proxy[@]}" -- \
    "${path_stats[@]}" --scenario roundtrips --delay-ms "$delay_ms" --messages 10
  flush_redis
  run_pair "$target" redis-roundtrips-cross-node "${via_proxy[@]}" -- \
    "${path_stats[@]}" --scenario roundtrips --delay-ms "$delay_ms" --messages 10
  for gateways in 1 4; do
    flush_redis
    gateway_pids=()
    for i in $(seq 1 "$gateways"); do
      start_server "$target" "${via_proxy[@]}"
      gateway_pids+=("$server_pid")
    done
    log "  redis-idle-$gateways $target ($gateways idle gateways)"
    loadgen --server "$url" $(target_args "$target") --label "redis-idle-$gateways" --round "$round" \
      "${path_stats[@]}" --scenario redis-idle --gateways "$gateways" --warmup 3 --duration 6
    for pid in "${gateway_pids[@]}"; do stop_server "$pid"; done
  done
done
fi

# --- Cassandra: the tiered deployment and the append path (only with --cassandra HOST:PORT) -----------------------
# The node runs outside this script (none can be installed on the machines this is built on); the bench server creates
# the keyspace messaging_bench with one replica when missing, and every run uses users of its own. Rows, per round:
# 1:1 sends on the tiered deployment (bench server with Redis + Cassandra: Redis for the sequencer, presence,
# directory, backplane and a hot window of 1,000 messages per conversation; Cassandra the store of truth) at
# saturation and at half of that rate, and a catch-up of 10,000 messages (so 9,000 come from Cassandra). Once: the
# append path, the store's appends against a plain loop of the same CQL statements on the same session, same run; and
# the sequencer on lightweight transactions (UseCassandraSequencer): seqs/s, rounds and refusals per seq and the time of
# one take, with 16 senders on one conversation against 16 senders on a conversation each.
cassandra_rows() {
  if [ -z "$cassandra" ]; then
    log "Cassandra rows skipped: no contact point given (bench/run.sh --cassandra HOST:PORT runs the tiered send, the tiered catch-up, the append path and the sequencer on lightweight transactions against that node)"
    return 0
  fi
  local tiered=(--redis "127.0.0.1:$redis_port" --cassandra "$cassandra") tiered_half
  for round in $(seq 1 "$rounds"); do
    log "Cassandra (tiered, $cassandra) round $round of $rounds"
    flush_redis
    start_server ours "${tiered[@]}"
    measure ours direct-tiered-saturate "${common[@]}" "${redis_stats[@]}" --scenario direct --pairs 20 --saturate --window 8
    tiered_half=$(last_value direct-tiered-saturate ours '(.delivered_per_sec / 2 | floor)')
    if [ -n "$tiered_half" ] && [ "$tiered_half" -gt 0 ]; then
      measure ours direct-tiered-half-rate "${common[@]}" --scenario direct --pairs 20 --rate "$tiered_half"
    fi
    stop_server "$server_pid"
    flush_redis
    run ours catchup-tiered --server-args "${tiered[@]}" -- --scenario catchup --messages 10000
  done
  round=0
  log "  cassandra-append ours (the store against a plain loop of its statements)"
  dotnet "$(server_dll ours)" cassandra-append --cassandra "$cassandra" --round "$round" --out "$results" \
    >>"$out/cassandra-append.log" 2>&1 || log "  cassandra-append failed (see $out/cassandra-append.log)"
  log "  cassandra-sequencer ours (16 senders on 4 sessions: one conversation, then one conversation each)"
  dotnet "$(server_dll ours)" cassandra-sequencer --cassandra "$cassandra" --senders 16 --sessions 4 --round "$round" --out "$results" \
    >>"$out/cassandra-sequencer.log" 2>&1 || log "  cassandra-sequencer failed (see $out/cassandra-sequencer.log)"
}
cassandra_rows
# --- end of the Cassandra block -----------------------------------------------------------------------------------

# --- one large idle run: how many idle connections one server process holds --------------------------------------
if [ "$only" = all ]; then
  run ours idle-max --scenario idle --connections "$idle_max" --sources 4 --hold 5
fi

# --- micro-benchmarks ---------------------------------------------------------------------------------------------
if [ "$micro" = 1 ]; then
  log "micro-benchmarks"
  mkdir -p "$out/micro"
  (cd "$out/micro" && dotnet "$bin/Messaging.Benchmarks/release/Messaging.Benchmarks.dll" --filter '*' >"$out/micro.log" 2>&1) \
    || log "micro-benchmarks failed (see $out/micro.log)"
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
echo "elapsed: $(( $(date +%s) - started )) s" >>"$out/machine.txt"
cleanup

# --- report -------------------------------------------------------------------------------------------------------
if [ "$report" = 1 ]; then
  micro_md=$(find "$out/micro" -name '*-report-github.md' 2>/dev/null | head -n 1 || true)
  dotnet "$bin/Report/release/Report.dll" --results "$results" --machine "$out/machine.txt" ${micro_md:+--micro "$micro_md"} \
    --out "$root/docs/benchmarks.md" --images "$root/docs/img" \
    --command "bench/run.sh --rounds $rounds --duration $duration --warmup $warmup --jit-quiet $jit_quiet --jit-budget-ms $jit_budget_ms --warmup-max $warmup_max --idle $idle --idle-max $idle_max --before $before --only $only --delay-ms $delay_ms"
fi
log "done: $results"
