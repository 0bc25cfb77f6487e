#!/usr/bin/env bash
# Runs every Go test. Most packages run under the race detector; packages
# named in RACE_SKIP (slow simulator-heavy suites on a 2-core machine) run
# without it. Fuzz seed corpora run as ordinary tests.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
skip=${RACE_SKIP:-}
all=$($GO list ./...)
race=()
plain=()
for p in $all; do
  hit=""
  for s in $skip; do
    [[ "$p" == *"$s"* ]] && hit=1
  done
  if [[ -n "$hit" ]]; then plain+=("$p"); else race+=("$p"); fi
done
status=0
if [[ ${#race[@]} -gt 0 ]]; then
  $GO test -race -count=1 -timeout 20m "${race[@]}" || status=1
fi
if [[ ${#plain[@]} -gt 0 ]]; then
  $GO test -count=1 -timeout 20m "${plain[@]}" || status=1
fi
exit $status
