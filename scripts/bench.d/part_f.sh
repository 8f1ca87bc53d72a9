# Part F of scripts/bench (sourced by it): the full ORDS export streamed
# over HTTP. Seeds RL_BENCH_ORDS_REPAIRS repairs (default 1,000,000) over
# half as many devices, 5 years, 10 sites, by SQL (seed_ords.sql); streams
# /opendata/ords.csv once to warm up on one site, then in full while
# sampling the server's VmRSS every 50 ms. Reports rows per second (target
# ≥ 200,000) and the peak VmRSS growth over the warmed-up server (target
# under 16 MB). Uses the bench's sql, db, base, server_pid, work, bench_d,
# commands and note; sets f_status, f_rps, f_growth_kb.
bench_ords() {
  local n=${RL_BENCH_ORDS_REPAIRS:-1000000} t0 t1 rows before peak code
  echo "   seeding $n repairs over $((n / 2)) devices, 10 sites, 5 years…"
  t0=$(date +%s.%N)
  sql -1 -v repairs="$n" -v devices=$((n / 2)) -v tag=benchf -f "$bench_d/seed_ords.sql" "$db" >/dev/null \
    || die "seeding the ORDS repairs failed"
  sql -c "ANALYZE" "$db"
  t1=$(date +%s.%N)
  echo "   seeded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
  commands+=("psql -1 -v repairs=$n -v devices=$((n / 2)) -v tag=benchf -f scripts/bench.d/seed_ords.sql")

  code=$(curl -s -o /dev/null -w '%{http_code}' "$base/opendata/ords.csv?site=benchf-1")
  [ "$code" = 200 ] || die "GET /opendata/ords.csv?site=benchf-1 answered $code"
  before=$(awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status")
  (while kill -0 "$server_pid" 2>/dev/null; do
     awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status"; sleep 0.05
   done) >"$work/ords-rss.txt" 2>/dev/null &
  local sampler=$!
  t0=$(date +%s.%N)
  rows=$(curl -s -N "$base/opendata/ords.csv" | wc -l)
  t1=$(date +%s.%N)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  commands+=("curl -s -N http://127.0.0.1:PORT/opendata/ords.csv | wc -l   (VmRSS of repaird sampled every 50 ms)")
  rows=$((rows - 1)) # the header
  peak=$(sort -n "$work/ords-rss.txt" | tail -n 1)
  f_growth_kb=$(( ${peak:-$before} - before ))
  [ "$f_growth_kb" -lt 0 ] && f_growth_kb=0
  f_rps=$(awk -v r="$rows" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", r / (b - a) }')
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  echo "   $rows rows in $secs s: $f_rps rows/s; repaird VmRSS $before kB before, peak ${peak:-?} kB (+$f_growth_kb kB)"
  [ "$rows" -ge "$n" ] || note "the export had $rows rows for $n seeded repairs"
  f_status="$rows rows in $secs s"
}
