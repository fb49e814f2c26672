#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line "N passed, M failed" summed over
# the TRX results. Exits non-zero if a test failed, the run failed, or no test ran.
# Extra arguments go to `dotnet test`, e.g.  ./test.sh --filter "Category!=Slow"
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

results="TestResults/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$results"

# Build in parallel, then run the test projects one after another (-m:1): each starts actor systems
# and servers, and on two cores running them side by side only makes every one slower and flakier.
rc=0
dotnet build ActorDispatch.sln -c Release -nologo -clp:ErrorsOnly || rc=$?
if (( rc == 0 )); then
  dotnet test ActorDispatch.sln -c Release --no-build -m:1 --logger trx --results-directory "$results" \
    --blame-hang-timeout 5m "$@" || rc=$?
fi

sum() { # attribute name -> sum over all TRX <Counters .../> elements
  cat "$results"/*.trx 2>/dev/null | grep -o "<Counters [^>]*" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*" | awk '{s+=$1} END {print s+0}'
}
passed=$(sum passed)
failed=$(( $(sum failed) + $(sum error) + $(sum timeout) + $(sum aborted) ))

echo "$passed passed, $failed failed"
if (( rc != 0 || failed > 0 || passed == 0 )); then exit 1; fi
