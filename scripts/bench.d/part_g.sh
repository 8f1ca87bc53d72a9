# Part G of scripts/bench (sourced by it): events out.
#  (a) the intake rate (wrk POST /api/v1/devices, as in part B) with no
#      webhook subscription, then with one enabled subscription to a local
#      receiver (scripts/bench.d/receiver.mjs, answers 200 without
#      verifying), alternating for RL_BENCH_G_ROUNDS rounds (default 2);
#      target: with ≥ 0.90 × without.
#  (b) delivery throughput to that receiver: RL_BENCH_EVENTS (default
#      20,000) undispatched events are seeded by SQL (copies of a real
#      device.received event, each with its own uid) while no server runs,
#      then a server with REPAIRD_OUTBOX_WORKERS=1, then =4, is started and
#      timed until every delivery has succeeded (fan-out, claim, send,
#      record: the whole pipeline).
# Uses the bench's sql, db, base, server_env, start_server, server_pid,
# work, bench_d, run_wrk, add_row, commands and note; sets g_status,
# g_ratio, g_intake0, g_intake1.
g_receiver_pid=""

g_stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}

# g_restart NAME=value…: the server again, with these settings added.
g_restart() {
  g_stop_server
  local saved=("${server_env[@]}")
  server_env+=("$@")
  start_server
  server_env=("${saved[@]}")
}

# g_subscription: a new enabled subscription to the receiver, every other
# disabled; prints its id.
g_subscription() {
  sql -c "UPDATE webhook_subscriptions SET enabled = false, disabled_reason = 'admin',
            disabled_at = now() WHERE enabled" "$db" >/dev/null
  sql -c "INSERT INTO webhook_subscriptions (url, event_types, secret)
            VALUES ('$g_hook', '{*}', 'whsec_' || encode(sha256(random()::text::bytea), 'base64'))
            RETURNING id" "$db" | head -n 1
}

bench_events() {
  local reply status
  if [ "$(sql -c "SELECT count(*) FROM sites WHERE slug = 'bench'" "$db")" = 0 ]; then
    reply=$(api POST /api/v1/sites '{"slug":"bench","name":"Bench site"}')
    status=$(head -n 1 <<<"$reply")
    [ "$status" = 201 ] || { echo "$reply"; die "POST /api/v1/sites answered $status"; }
  fi
  coproc GRX { exec node "$bench_d/receiver.mjs"; }
  g_receiver_pid=$GRX_PID
  local line port
  read -r line <&"${GRX[0]}"
  port=${line#PORT }
  [[ $port =~ ^[0-9]+$ ]] || die "the bench receiver did not start"
  g_hook=http://127.0.0.1:$port/hook
  echo "   receiver (scripts/bench.d/receiver.mjs) on 127.0.0.1:$port"
  local allow=(REPAIRD_WEBHOOK_ALLOW_HTTP=1 REPAIRD_WEBHOOK_ALLOW_NETWORKS=127.0.0.1/32)
  g_restart "${allow[@]}"
  commands+=("${allow[*]} (added to the server's settings for part G)")

  # (a) intakes, without and with a subscription; the workers (2 by
  # default) run in both. Other load on a shared machine swings the rates
  # from one run to the next, so the two alternate for RL_BENCH_G_ROUNDS
  # rounds (default 2) and the ratio is of their sums.
  export RL_BENCH_BODY=$bench_d/device.json
  local rounds=${RL_BENCH_G_ROUNDS:-2} k sub e0 made ok t0 n_left sum0=0 sum1=0
  for k in $(seq 1 "$rounds"); do
    sql -c "UPDATE webhook_subscriptions SET enabled = false, disabled_reason = 'admin',
              disabled_at = now() WHERE enabled" "$db" >/dev/null
    run_wrk G "POST /api/v1/devices (no subscription) #$k" post_json.lua "$base/api/v1/devices"
    sum0=$(awk -v a="$sum0" -v b="$last_rps" 'BEGIN { print a + b }')
    sub=$(g_subscription)
    e0=$(sql -c "SELECT coalesce(max(id), 0) FROM events" "$db")
    run_wrk G "POST /api/v1/devices (1 subscription) #$k" post_json.lua "$base/api/v1/devices"
    sum1=$(awk -v a="$sum1" -v b="$last_rps" 'BEGIN { print a + b }')
    made=$(sql -c "SELECT count(*) FROM events WHERE id > $e0" "$db")
    ok=$(sql -c "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $sub AND status = 'succeeded'" "$db")
    echo "   events written during the run: $made; delivered by its end: $ok ($(awk -v a="$ok" -v b="$made" 'BEGIN { printf "%.0f", (b > 0) ? 100 * a / b : 0 }') %)"
    t0=$(date +%s.%N)
    for _ in $(seq 1 600); do
      n_left=$(sql -c "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $sub AND status <> 'succeeded'" "$db")
      [ "$n_left" = 0 ] && break
      sleep 0.2
    done
    echo "   the rest delivered $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the run (left: $n_left)"
  done
  g_intake0=$(awk -v s="$sum0" -v n="$rounds" 'BEGIN { printf "%.1f", s / n }')
  g_intake1=$(awk -v s="$sum1" -v n="$rounds" 'BEGIN { printf "%.1f", s / n }')
  g_ratio=$(awk -v a="$sum1" -v b="$sum0" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  echo "   mean of $rounds rounds: $g_intake0 req/s with no subscription, $g_intake1 with one: $g_ratio"

  # (b) delivery throughput.
  local n=${RL_BENCH_EVENTS:-20000} w t1 secs rate cpu_srv cpu_pg cpu_rx s0 p0 r0 failed
  for w in 1 4; do
    g_stop_server
    sql -c "UPDATE events SET dispatched = true WHERE NOT dispatched" "$db" >/dev/null
    sub=$(g_subscription)
    sql -c "INSERT INTO events (type, subject, data, device_id)
              SELECT e.type, e.subject, e.data, e.device_id
              FROM (SELECT * FROM events WHERE type = 'device.received' ORDER BY id DESC LIMIT 1) e,
                   generate_series(1, $n)" "$db" >/dev/null || die "seeding $n events failed"
    sql -c "VACUUM ANALYZE events" -c "VACUUM ANALYZE webhook_deliveries" "$db" >/dev/null
    commands+=("psql: INSERT INTO events … SELECT (the last device.received) × generate_series(1, $n); REPAIRD_OUTBOX_WORKERS=$w repaird serve; until every delivery succeeded")
    echo "-- G: deliver $n events, REPAIRD_OUTBOX_WORKERS=$w"
    r0=$(proc_ticks "$g_receiver_pid")
    p0=$(proc_ticks $(postgres_pids))
    t0=$(date +%s.%N)
    g_restart "${allow[@]}" REPAIRD_OUTBOX_WORKERS=$w
    s0=0
    for _ in $(seq 1 3000); do
      n_left=$(sql -c "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $sub AND status = 'succeeded'" "$db")
      [ "$n_left" -ge "$n" ] && break
      sleep 0.1
    done
    t1=$(date +%s.%N)
    cpu_srv=$(proc_ticks "$server_pid")
    cpu_pg=$(( $(proc_ticks $(postgres_pids)) - p0 ))
    cpu_rx=$(( $(proc_ticks "$g_receiver_pid") - r0 ))
    failed=$(sql -c "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $sub AND (status <> 'succeeded' OR attempts <> 1)" "$db")
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    rate=$(awk -v n="$n_left" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')
    local cpu_text
    cpu_text=$(awk -v hz="$hz" -v n="$n_left" -v s="$cpu_srv" -v p="$cpu_pg" -v r="$cpu_rx" -v secs="$secs" -v nc="$(nproc)" 'BEGIN {
      printf "busy: repaird %.2f, postgres %.2f, receiver %.2f of %d cores | per delivery: repaird %.0f us, postgres %.0f us, receiver %.0f us",
        s / hz / secs, p / hz / secs, r / hz / secs, nc, 1e6 * s / hz / n, 1e6 * p / hz / n, 1e6 * r / hz / n }')
    echo "   $n_left of $n delivered in $secs s: $rate events/s; not at the first attempt or not succeeded: $failed"
    echo "   cpu $cpu_text"
    [ "$n_left" -ge "$n" ] || note "G: only $n_left of $n deliveries succeeded within 300 s (REPAIRD_OUTBOX_WORKERS=$w)"
    add_row deliv G "deliveries, REPAIRD_OUTBOX_WORKERS=$w ($n events)" "$rate" - - "$failed" "$cpu_text"
    eval "g_deliver_$w=\$rate"
  done
  g_stop_server
  sql -c "UPDATE webhook_subscriptions SET enabled = false, disabled_reason = 'admin',
            disabled_at = now() WHERE enabled" "$db" >/dev/null
  start_server
  kill "$g_receiver_pid" 2>/dev/null
  wait "$g_receiver_pid" 2>/dev/null
  g_receiver_pid=""
  g_status="intakes $g_intake0 → $g_intake1 req/s with one subscription; deliveries ${g_deliver_1:-?} events/s with 1 worker, ${g_deliver_4:-?} with 4"
}
