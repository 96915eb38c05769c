#!/usr/bin/env bash
# Runs a three-gateway chat cluster on this machine, loopback only:
#   a private redis-server (append-only file on), three ChatServer gateways sharing it, HAProxy in front; media
#   blobs in one folder all gateways share, or with --s3 in a bucket of a private s3rver (npm, tests/tools). With
#   --kafka the backplane and the event log are on a three-broker Kafka (tools/KafkaMockCluster) and the push worker
#   (samples/PushWorker) reads the event log; the stores stay in Redis.
# Usage: samples/cluster/run.sh [--proxy-port 5000] [--gateway-ports "5001 5002 5003"] [--redis-port <free>] [--s3] [--kafka]
# Then open http://localhost:5000 in two browser profiles. Ctrl-C stops everything this script started.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
proxy_port=5000
gateway_ports=(5001 5002 5003)
redis_port=""
s3=false
kafka=false

while [[ $# -gt 0 ]]; do
    case "$1" in
        --proxy-port) proxy_port="$2"; shift 2 ;;
        --gateway-ports) read -r -a gateway_ports <<< "$2"; shift 2 ;;
        --redis-port) redis_port="$2"; shift 2 ;;
        --s3) s3=true; shift ;;
        --kafka) kafka=true; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

if [[ ${#gateway_ports[@]} -ne 3 ]]; then
    echo "--gateway-ports needs exactly three ports (haproxy.cfg names three servers)." >&2
    exit 2
fi

for tool in redis-server haproxy dotnet curl; do
    if ! command -v "$tool" > /dev/null; then
        case "$tool" in
            redis-server|haproxy) echo "$tool is not installed: sudo apt-get install $tool" >&2 ;;
            *) echo "$tool is not installed." >&2 ;;
        esac
        exit 1
    fi
done

if $s3 && [[ ! -d "$root/tests/tools/node_modules/s3rver" ]]; then
    echo "--s3 needs node and s3rver: (cd tests/tools && npm ci)" >&2
    exit 1
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls until a command succeeds (what it waits for is named in the message), at most ~30 s.
wait_for() {
    local what="$1"; shift
    for _ in $(seq 1 300); do
        if "$@" > /dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for $what (logs: $work)" >&2
    return 1
}

work=$(mktemp -d -t messaging-cluster-XXXXXX)
pids=()
stop() {
    local status=$?
    trap - EXIT INT TERM
    echo
    echo "stopping the cluster..."
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
    if [[ $status -eq 0 || $status -eq 130 ]]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# Builds a project into its own folder under bin/ (ChatServer into bin/ itself).
build() {
    local project="$1" out="$2"
    echo "building ${project#"$root/"}..."
    dotnet build "$project" -c Release -o "$out" -v quiet -nologo --disable-build-servers > "$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; exit 1; }
}

build "$root/samples/ChatServer/ChatServer.csproj" "$here/bin"
if $kafka; then
    build "$root/tools/KafkaMockCluster/KafkaMockCluster.csproj" "$here/bin/kafka-mock-cluster"
    build "$root/samples/PushWorker/PushWorker.csproj" "$here/bin/push-worker"
fi

redis_port=${redis_port:-$(free_port)}
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" \
    --appendonly yes --appendfsync always --daemonize no --loglevel warning > "$work/redis.log" 2>&1 &
redis_pid=$!
pids+=($redis_pid)
wait_for "redis-server on port $redis_port" redis-cli -p "$redis_port" ping

# Media: every gateway must reach every blob, so they share one store: a folder here (a shared volume in
# production), or an S3 bucket. The media catalog (upload state, owners, sharing) is in Redis with everything else.
media_env=(Messaging__MediaRoot="$work/media")
if $s3; then
    mkdir -p "$work/s3"
    mkfifo "$work/s3.stdin"
    node "$root/tests/tools/s3rver-server.cjs" "$work/s3" media < "$work/s3.stdin" > "$work/s3.port" 2> "$work/s3rver.log" &
    pids+=($!)
    exec 3> "$work/s3.stdin"   # s3rver stops when this closes (with this script)
    wait_for "s3rver" grep -q port "$work/s3.port"
    s3_port=$(sed -E 's/[^0-9]//g' "$work/s3.port")
    media_env=(Messaging__S3__BucketName=media Messaging__S3__ServiceUrl="http://127.0.0.1:$s3_port"
        Messaging__S3__AccessKey=S3RVER Messaging__S3__SecretKey=S3RVER Messaging__S3__CompatibleServer=true)
fi

# Kafka: librdkafka's mock cluster (three brokers on loopback ports it picks, in memory only) in its own process; it
# prints its bootstrap servers, and stops when its stdin closes (with this script, however it ends) or on SIGTERM.
# The gateways use it for the backplane (a topic per node) and the event log (topic messaging.events, three replicas).
kafka_env=()
if $kafka; then
    mkfifo "$work/kafka.stdin"
    dotnet "$here/bin/kafka-mock-cluster/KafkaMockCluster.dll" 3 < "$work/kafka.stdin" > "$work/kafka.servers" 2> "$work/kafka.log" &
    kafka_pid=$!
    pids+=($kafka_pid)
    exec 4> "$work/kafka.stdin"
    wait_for "the Kafka mock cluster" grep -q : "$work/kafka.servers"
    kafka_servers=$(head -n 1 "$work/kafka.servers")
    kafka_env=(Messaging__Kafka="$kafka_servers" Messaging__KafkaEventLog__BootstrapServers="$kafka_servers")
fi

for i in 1 2 3; do
    port=${gateway_ports[$((i - 1))]}
    env ASPNETCORE_ENVIRONMENT=Development \
    Messaging__Redis="127.0.0.1:$redis_port" \
    Messaging__NodeId="gateway$i" \
    "${media_env[@]}" \
    "${kafka_env[@]}" \
        dotnet "$here/bin/ChatServer.dll" --urls "http://127.0.0.1:$port" --contentRoot "$root/samples/ChatServer" \
        > "$work/gateway$i.log" 2>&1 &
    pids+=($!)
    gateway_pids[$i]=$!
done
for port in "${gateway_ports[@]}"; do
    wait_for "the gateway on port $port" curl -sf "http://127.0.0.1:$port/"
done

# The push worker: a consumer group member on the event log that pushes to members with no live connection (the
# sample's notifier logs each push at debug level, which is switched on for it here).
if $kafka; then
    dotnet "$here/bin/push-worker/PushWorker.dll" --Messaging:Redis="127.0.0.1:$redis_port" --Messaging:Kafka="$kafka_servers" \
        --Logging:LogLevel:Messaging.LoggingPushNotifier=Debug --contentRoot "$root/samples/PushWorker" > "$work/push-worker.log" 2>&1 &
    push_worker_pid=$!
    pids+=($push_worker_pid)
    wait_for "the push worker" grep -q "Application started" "$work/push-worker.log"
fi

PROXY_PORT=$proxy_port GATEWAY1_PORT=${gateway_ports[0]} GATEWAY2_PORT=${gateway_ports[1]} GATEWAY3_PORT=${gateway_ports[2]} \
    haproxy -db -f "$here/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=($haproxy_pid)
wait_for "HAProxy on port $proxy_port" curl -sf "http://127.0.0.1:$proxy_port/"

if $s3; then media_info="S3 bucket 'media' on s3rver http://127.0.0.1:$s3_port"; else media_info="folder $work/media"; fi
kafka_info=""
if $kafka; then
    kafka_info="  Kafka (mock)   $kafka_servers   pid $kafka_pid
  push worker    event log consumer   pid $push_worker_pid
"
fi
cat <<INFO

cluster running (logs in $work):
  media blobs    $media_info
  redis-server   127.0.0.1:$redis_port           pid $redis_pid
${kafka_info}  gateway1       http://127.0.0.1:${gateway_ports[0]}   pid ${gateway_pids[1]}
  gateway2       http://127.0.0.1:${gateway_ports[1]}   pid ${gateway_pids[2]}
  gateway3       http://127.0.0.1:${gateway_ports[2]}   pid ${gateway_pids[3]}
  HAProxy        http://localhost:$proxy_port      pid $haproxy_pid

Open http://localhost:$proxy_port in two browser profiles. Kill a gateway (kill <pid>) to watch its clients move.
Ctrl-C stops everything.
INFO

# Runs until Ctrl-C, or until HAProxy, Redis, Kafka or the push worker exits (a dead gateway is what the demo is about,
# so it is not waited for).
if $kafka; then
    wait -n "$redis_pid" "$haproxy_pid" "$kafka_pid" "$push_worker_pid"
    echo "redis-server, HAProxy, the Kafka mock cluster or the push worker exited." >&2
else
    wait -n "$redis_pid" "$haproxy_pid"
    echo "redis-server or HAProxy exited." >&2
fi
exit 1
