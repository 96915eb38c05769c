#!/usr/bin/env bash
# Builds the solution and runs the whole test suite. Installs what the tests need when it is missing.
# Ends with one line: "N passed, N failed, N skipped".
#   ./test.sh --filter <word>    runs only the tests whose class name (with its namespace) contains <word>, e.g.
#                                MESSAGING_TEST_CASSANDRA=127.0.0.1:9042 ./test.sh --filter Cassandra
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '==> %s\n' "$*" >&2; }

filter_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --filter)
      [ $# -ge 2 ] || { echo "usage: ./test.sh [--filter <word>]" >&2; exit 2; }
      # Test modules with no matching class run nothing: that is not a failure here (exit code 8 of the platform).
      filter_args=(--filter-class "*$2*" --ignore-exit-code 8)
      shift 2
      ;;
    *)
      echo "usage: ./test.sh [--filter <word>]" >&2
      exit 2
      ;;
  esac
done

# --- system packages (Debian) -------------------------------------------------------------------------------------
need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v haproxy >/dev/null 2>&1 || need_apt+=(haproxy)
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    log "missing ${need_apt[*]} and cannot install them (not root or no apt-get); tests that need them will be skipped"
  fi
fi

# --- Node test tools (from the committed lock file) ----------------------------------------------------------------
if [ -f tests/tools/package-lock.json ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d tests/tools/node_modules ] || [ tests/tools/package-lock.json -nt tests/tools/node_modules ]; then
    log "npm ci in tests/tools"
    (cd tests/tools && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi

# --- build and test ----------------------------------------------------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log "dotnet build"
dotnet build Messaging.sln -c Release -nologo -clp:ErrorsOnly

results_dir="$(pwd)/artifacts/test-results"
rm -rf "$results_dir"
mkdir -p "$results_dir"
log "dotnet test ${filter_args[*]}"
if [ -z "${MESSAGING_TEST_CASSANDRA:-}" ]; then
  log "MESSAGING_TEST_CASSANDRA is not set: the live Cassandra tests are skipped (set it to a node's host:port to run them)"
fi
set +e
dotnet test --solution Messaging.sln -c Release --no-build --results-directory "$results_dir" "${filter_args[@]}" 2>&1 | tee "$results_dir/console.log"
status=${PIPESTATUS[0]}
set -e

# The closing line comes from the TRX result files, one per test module, each named after its module
# (Directory.Build.props). A module without its file counts as a failure: its results would be missing from the line.
passed=0 failed=0 skipped=0
while IFS= read -r module; do
  if [ ! -f "$results_dir/$module.trx" ]; then
    log "no test results from $module"
    failed=$((failed + 1))
    [ "$status" -ne 0 ] || status=1
  fi
done < <(sed -n 's|^Project(.*) = "\([^"]*\.Tests\)".*|\1|p' Messaging.sln)
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  attr() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  skipped=$((skipped + $(attr notExecuted)))
done < <(find "$results_dir" -name '*.trx' -print0)
# The failures again, each with the start of its message and stack, right above the closing line, so that the end of
# a long run's output names what failed.
if [ "$failed" -gt 0 ]; then
  find "$results_dir" -name '*.trx' -print0 | xargs -0 perl -0777 -ne '
    sub unxml { my $t = shift; $t =~ s/&lt;/</g; $t =~ s/&gt;/>/g; $t =~ s/&quot;/"/g; $t =~ s/&apos;/\x27/g;
                $t =~ s/&#xD;//g; $t =~ s/&#xA;/\n/g; $t =~ s/&amp;/&/g; return $t; }
    sub head { my ($t, $n) = @_; my @l = grep { /\S/ } split /\n/, unxml($t); return join("", map { "    $_\n" } @l[0 .. ($n < @l ? $n : @l) - 1]); }
    while (/<UnitTestResult\b([^>]*?)(?:\/>|>(.*?)<\/UnitTestResult>)/gs) {
      my ($attrs, $body) = ($1, $2 // "");
      next unless $attrs =~ /outcome="(Failed|Error|Timeout|Aborted)"/;
      my ($name) = $attrs =~ /testName="([^"]*)"/;
      print "FAILED ", unxml($name), "\n";
      print head($1, 12) if $body =~ /<Message>(.*?)<\/Message>/s;
      print head($1, 8) if $body =~ /<StackTrace>(.*?)<\/StackTrace>/s;
    }'
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
