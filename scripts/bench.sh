#!/usr/bin/env bash
# Benchmark at production scale (not a timed test): generate and load a 31,000-person
# fixture, write the migrated state, and run every feature one scenario at a time in a
# release build. Prints the phase timings, the time per feature, wall time and peak memory
# (GNU time's maximum resident set size).
#
#   scripts/bench.sh [people]        (default 31000)
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-31000}
command -v /usr/bin/time >/dev/null 2>&1 || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet
out=$(mktemp -d)
/usr/bin/time -v -o "$out/time.txt" target/release/cutover rehearse --people "$people" --concurrency 1 \
  --report-dir "$out/report" | grep -E "^(environment ready|time:|scenarios:|VERDICT|saml:|redirects:)"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$out/time.txt"
rm -rf "$out"
