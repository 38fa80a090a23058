# The per-feature table of a rehearsal's console (scripts/bench.sh): each `time:` line gives a
# feature's time (its scenarios plus the shared work it owns) and its peak memory; the
# throughput comes from the feature's own summary line (saml:, redirects:) or, for
# reconciliation, from the records compared (passed in as `records`).
/^saml: / {
  for (i = 1; i <= NF; i++) if ($i == "users" && $(i + 1) == "asserted") members = $(i - 1)
}
/^redirects: / {
  for (i = 1; i <= NF; i++) if ($i == "checked" && $(i - 1) ~ /^[0-9]+$/) urls = $(i - 1)
}
/^time: / {
  line = substr($0, 7)
  # A feature's name may hold ": " itself; its figures start at the last ": N scenarios".
  if (!match(line, /: [0-9]+ scenarios, /)) next
  name = substr(line, 1, RSTART - 1)
  rest = substr(line, RSTART + 2)
  split(rest, w, " ")
  secs = w[3]
  peak = "-"
  if (match(rest, /peak [0-9]+ MiB/)) peak = substr(rest, RSTART + 5, RLENGTH - 9)
  short = name
  sub(/ — .*/, "", short)
  n++
  names[n] = short; times[n] = secs; peaks[n] = peak
}
END {
  printf "%-34s %9s %9s  %s\n", "feature", "time s", "peak MiB", "throughput"
  for (i = 1; i <= n; i++) {
    tp = ""
    if (names[i] ~ /^Slack SAML/ && members && times[i] > 0) tp = sprintf("%.0f members/s (%d)", members / times[i], members)
    if (names[i] ~ /^Redirects/ && urls && times[i] > 0) tp = sprintf("%.0f URLs/s (%d)", urls / times[i], urls)
    if (names[i] ~ /^Reconciliation/ && records && times[i] > 0) tp = sprintf("%.0f records/s (%d)", records / times[i], records)
    printf "%-34s %9.2f %9s  %s\n", substr(names[i], 1, 34), times[i], peaks[i], tp
  }
}
