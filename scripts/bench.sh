#!/usr/bin/env bash
# Benchmark at production scale (not a timed test). For each size (default 3,100, 31,000 and
# 100,000 people): generate and load the fixture, write the migrated state, and run every
# feature one scenario at a time in a release build. Prints, per size, the setup phases and
# a table per feature (time, peak resident memory, throughput), then the whole run's wall
# time and peak memory (GNU time). At 31,000 people (or the first size given) the same
# redirect list is then checked side by side by `cutover redirects` and, when installed, by
# lychee, against the reference target served on the same state.
#
#   scripts/bench.sh [people ...]        (default: 3100 31000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(3100 31000 100000)
command -v /usr/bin/time >/dev/null 2>&1 || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/cutover
out=$(mktemp -d /tmp/cutover-bench.XXXXXX)
served=""
cleanup() {
  if [ -n "$served" ]; then kill "$served" 2>/dev/null || true; wait "$served" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.03" → seconds; max RSS KiB → MiB.
wall_secs() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$1"; }
peak_mib() { awk '/Maximum resident set size/ { printf "%d", $NF / 1024 }' "$1"; }
# A rehearsal's peak: GNU time's, or a feature's when higher. Each feature's peak is taken by
# resetting the kernel's high-water mark (/proc/self/clear_refs), which also lowers the
# maximum GNU time reads at exit.
run_peak() { { peak_mib "$1"; echo; grep -oE 'peak [0-9]+ MiB' "$2" | awk '{ print $2 }'; } | sort -n | tail -1; }

# One size: the rehearsal, then its table.
bench_size() {
  local people=$1 dir=$out/$1
  mkdir -p "$dir"
  /usr/bin/time -v -o "$dir/time.txt" "$bin" rehearse --people "$people" --concurrency 1 \
    --report-dir "$dir/report" > "$dir/console.txt" 2>&1 || true
  local records
  records=$(grep -o '"compared": *[0-9]*' "$dir/report/reconciliation.json" 2>/dev/null | awk -F: '{ s += $2 } END { print s + 0 }')
  echo
  echo "== $people people"
  grep -E '^environment ready' "$dir/console.txt" | sed -E 's/^environment ready: [^(]*\(/setup: /; s/\)$//'
  awk -v records="$records" -f scripts/bench-table.awk "$dir/console.txt"
  grep -E '^(scenarios|VERDICT)' "$dir/console.txt" | tr '\n' ' '; echo
  local peak; peak=$(run_peak "$dir/time.txt" "$dir/console.txt")
  printf 'whole rehearsal: %s s wall, %s MiB peak (%s people)\n' "$(wall_secs "$dir/time.txt")" "$peak" "$people"
  echo "$people $(wall_secs "$dir/time.txt") $peak" >> "$out/scaling.txt"
}

# The same redirect list through `cutover redirects` and lychee, against one served target.
side_by_side() {
  local people=$1 dir=$out/side port=18431
  mkdir -p "$dir"
  "$bin" fixture state --people "$people" --out "$dir/state" > /dev/null
  # No rate limit on this one target: both tools are measured on the same footing.
  CUTOVER_RATE_LIMITS=1000000/1000000/1000000 PORT=$port "$bin" serve --state "$dir/state" --seconds 900 > "$dir/serve.log" 2>&1 &
  served=$!
  for _ in $(seq 1 120); do grep -q "listening" "$dir/serve.log" && break; sleep 0.5; done
  local map=$out/$people/report/redirect-map.csv base=http://127.0.0.1:$port
  local urls; urls=$(($(wc -l < "$map") - 1))
  /usr/bin/time -v -o "$dir/cutover.time" "$bin" redirects --base-url "$base" --map "$map" \
    --concurrency 32 --report-dir "$dir/report" > "$dir/cutover.txt" 2>&1 || true
  echo
  echo "== the same $urls URLs, side by side (32 at once, one served reference target)"
  printf '%-16s %9s %9s %11s\n' tool "time s" "peak MiB" "URLs/s"
  row() { awk -v t="$2" -v m="$3" -v n="$urls" -v name="$1" 'BEGIN { printf "%-16s %9.1f %9d %11.0f\n", name, t, m, (t > 0 ? n / t : 0) }'; }
  row "cutover" "$(wall_secs "$dir/cutover.time")" "$(peak_mib "$dir/cutover.time")"
  if command -v lychee >/dev/null 2>&1; then
    tail -n +2 "$map" | cut -d, -f2 | sed "s|^|$base|" > "$dir/urls.txt"
    /usr/bin/time -v -o "$dir/lychee.time" lychee --no-progress --max-concurrency 32 --host-concurrency 32 --host-request-interval 0ms \
      --max-redirects 5 --accept 200..=299,410 - < "$dir/urls.txt" > "$dir/lychee.txt" 2>&1 || true
    row "lychee" "$(wall_secs "$dir/lychee.time")" "$(peak_mib "$dir/lychee.time")"
    echo "(cutover also proves each target is the record's twin; lychee only that the link answers)"
  else
    echo "lychee           not installed (cargo install lychee): no side-by-side figure"
  fi
  kill "$served" 2>/dev/null || true; wait "$served" 2>/dev/null || true; served=""
}

for people in "${sizes[@]}"; do bench_size "$people"; done
side=${sizes[0]}
for people in "${sizes[@]}"; do [ "$people" = 31000 ] && side=31000; done
side_by_side "$side"

echo
echo "== scaling"
printf '%9s %9s %9s %12s\n' people "wall s" "peak MiB" "s per 1k"
awk '{ printf "%9d %9.1f %9d %12.2f\n", $1, $2, $3, $2 / ($1 / 1000) }' "$out/scaling.txt"
