#!/usr/bin/env bash
# The Redis side of a send, measured alone: the append script of the Redis message store (message_append.lua, after
# the libraries RedisScripts puts before it), called by redis-benchmark against a private redis-server on loopback,
# with the keys and arguments RedisMessageStore passes on the atomic send path of a standalone server. Every call
# appends a distinct message (its text holds a random number), so the conversations' sorted sets grow as they do in
# production. Prints, per variant, the Redis CPU per call (INFO commandstats) and the memory kept per message
# (INFO memory, used_memory after minus before, divided by the calls):
#
#   send             the engine's call: claim, seq, append, message-id entry, the sender's read mark and the
#                    conversation's activity
#   no-bookkeeping   without the read mark and the activity (the arguments the engine passes only with them)
#   no-id-entry      without the message-id entry (on a Redis Cluster the store writes it after the script)
#   empty-call       a script that only returns 0, called with the send's keys and arguments: the cost of a call
#
# With --rev REV the same variants also run against that revision's scripts, in the same run, alternating with this
# tree's. Before measuring, each variant's first call is checked: it must append at seq 1 and leave exactly the keys
# the variant writes, so a script whose arguments changed fails here instead of measuring something else.
#
# usage: bench/redis-append.sh [--messages N] [--conversations C] [--rounds R] [--rev REV]
#   --messages N       appends per conversation (default 15000)
#   --conversations C  conversations, one redis-benchmark process (4 connections) each (default 20)
#   --rounds R         times each variant runs; every run is printed, then the median (default 1)
#   --rev REV          also measure REV's scripts (e.g. HEAD~1)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
messages=15000 conversations=20 rounds=1 rev=
while [ $# -gt 0 ]; do
  case $1 in
    --messages) messages=$2; shift 2 ;;
    --conversations) conversations=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --rev) rev=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for tool in redis-server redis-cli redis-benchmark; do
  command -v $tool >/dev/null || { echo "$tool is missing (Debian: apt-get install -y redis-server)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/redis-append.XXXXXX")
redis_pid=
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The script as RedisScripts loads it: the libraries, then the script. $1: a revision, or empty for this tree.
script_text() {
  local dir=src/Messaging.Stores/Messaging.Stores.Redis/Scripts file
  for file in receipt_marks.lua conversation_activity.lua message_append.lua; do
    if [ -z "$1" ]; then cat "$root/$dir/$file"; else git -C "$root" show "$1:$dir/$file"; fi
    echo
  done
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cli() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }
start_redis() {
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no --loglevel warning \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do cli ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis-server did not start: $(cat "$work/redis.log")" >&2; exit 1
}
stop_redis() { cli shutdown nosave >/dev/null 2>&1 || true; wait "$redis_pid" 2>/dev/null || true; redis_pid=; }

# One stored message as StoredMessageCodec writes it (about 230 bytes); __rand_int__ makes every call's text distinct.
payload='{"id":"01a2438c-8fe8-7ae4-98e1-dd8ac3880b87","from":"u26effd42b16","cid":"c7938","text":"__rand_int__|33|7937|xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","ts":"2026-12-05T00:13:35.0803715+00:00","kind":"text"}'
sender=u26effd42b16
window_ms=604800000

# The keys and arguments of one variant for conversation $2 (RedisKeys' layout; ARGV as message_append.lua's header).
# $3 replaces __rand_int__ in the per-message keys (the check's single call).
call_args() {
  local variant=$1 c="messaging:conv:{c$2}" r=${3:-__rand_int__}
  local claim="$c:client:${#sender}:$sender$r" id="messaging:msg:$r"
  local books=("${#sender}:$sender~sender" "$sender" 639320264150803716 639320264150803715 1796429615080)
  case $variant in
    send|empty-call) args=(8 "$c:messages" "$claim" "$c:log" "$c:seq" "$id" "$c:receipts:devices" "$c:receipts:users" "$c:info"
                           "" "${payload//__rand_int__/$r}" $window_ms "" "c$2" 1 0 "${books[@]}") ;;
    no-bookkeeping) args=(5 "$c:messages" "$claim" "$c:log" "$c:seq" "$id" "" "${payload//__rand_int__/$r}" $window_ms "" "c$2" 1 0) ;;
    no-id-entry) args=(7 "$c:messages" "$claim" "$c:log" "$c:seq" "$c:receipts:devices" "$c:receipts:users" "$c:info"
                       "" "${payload//__rand_int__/$r}" $window_ms "" "c$2" 0 0 "${books[@]}") ;;
  esac
}

# Loads the scripts ($1: revision or empty), checks the variant's first call, then runs the load; prints one line.
measure() {
  local label=$1 revision=$2 variant=$3 sha c m0 m1 calls usec reply expected actual
  start_redis
  if [ "$variant" = empty-call ]; then sha=$(cli script load "return 0"); else sha=$(script_text "$revision" | cli -x script load); fi
  for c in check $(seq 1 "$conversations"); do cli hset "messaging:conv:{c$c}:info" last_seq 0 activity 1 activity_ms 1 >/dev/null; done

  # The check: one call on a conversation of its own appends at seq 1 and writes exactly the keys the variant writes.
  call_args "$variant" check 7
  reply=$(cli evalsha "$sha" "${args[@]}" | head -2 | tr '\n' ' ')
  if [ "$variant" = empty-call ]; then expected="0 "; else expected="0 1 "; fi
  actual=$(cli --scan --pattern '*check*' | sort | tr '\n' ' ')$(cli --scan --pattern 'messaging:msg:*' | tr '\n' ' ')
  local k='messaging:conv:{ccheck}'
  local want="$k:info "
  case $variant in
    send) want="$k:client:${#sender}:${sender}7 $k:info $k:log $k:messages $k:receipts:devices $k:receipts:users $k:seq messaging:msg:7 " ;;
    no-bookkeeping) want="$k:client:${#sender}:${sender}7 $k:info $k:log $k:messages $k:seq messaging:msg:7 " ;;
    no-id-entry) want="$k:client:${#sender}:${sender}7 $k:info $k:log $k:messages $k:receipts:devices $k:receipts:users $k:seq " ;;
  esac
  # With bookkeeping, the sender's marks and the conversation's last seq must have moved to the new message too.
  local books=ok
  if [ "$variant" = send ] || [ "$variant" = no-id-entry ]; then
    [[ "$(cli hget "$k:receipts:users" "$sender")" == 1\|1\|* ]] || books="the sender's read mark"
    [[ "$(cli hget "$k:receipts:devices" "${#sender}:$sender~sender")" == 1\|1\|* ]] || books="the sender's device mark"
    [ "$(cli hget "$k:info" last_seq)" = 1 ] || books="the conversation's last seq"
  fi
  if [ "${reply:0:${#expected}}" != "$expected" ] || [ "$actual" != "$want" ] || [ "$books" != ok ]; then
    echo "$label $variant: the script's first call did not do what this variant expects (do its arguments differ?)" >&2
    echo "  reply: $reply" >&2; echo "  keys:  $actual" >&2; echo "  want:  $want" >&2
    [ "$books" = ok ] || echo "  not written as expected: $books" >&2
    stop_redis; exit 1
  fi
  # shellcheck disable=SC2086 # one key per word
  cli del $actual >/dev/null

  m0=$(cli info memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p')
  cli config resetstat >/dev/null
  local pids=()
  for c in $(seq 1 "$conversations"); do
    call_args "$variant" "$c"
    redis-benchmark -h 127.0.0.1 -p "$port" -n "$messages" -c 4 -r 1000000000 -q evalsha "$sha" "${args[@]}" >/dev/null 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  m1=$(cli info memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p')
  calls=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p')
  usec=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*,usec_per_call=\([0-9.]*\),.*/\1/p')
  stop_redis
  printf '%-10s %-15s %7s us of Redis CPU per call  %5d B kept per message  (%d calls)\n' \
    "$label" "$variant" "$usec" $(( m1 > m0 ? (m1 - m0) / calls : 0 )) "$calls"
}

labels=(this)
[ -n "$rev" ] && labels+=("$(git -C "$root" rev-parse --short "$rev")")
echo "redis: $(redis-server --version | grep -o 'v=[0-9.]*'); $conversations conversations x $messages distinct messages each; $rounds round(s)"
for round in $(seq 1 "$rounds"); do
  for variant in send no-bookkeeping no-id-entry empty-call; do
    for label in "${labels[@]}"; do
      revision=; [ "$label" != this ] && revision=$rev
      measure "$label" "$revision" "$variant"
    done
  done
done | tee "$work/results.txt"
if [ "$rounds" -gt 1 ]; then
  echo "median over $rounds rounds:"
  for variant in send no-bookkeeping no-id-entry empty-call; do
    for label in "${labels[@]}"; do
      awk -v l="$label" -v v="$variant" '$1 == l && $2 == v { print $3 }' "$work/results.txt" | sort -n \
        | awk -v l="$label" -v v="$variant" '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%-10s %-15s %7.2f us of Redis CPU per call\n", l, v, m }'
    done
  done
fi
