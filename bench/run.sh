#!/usr/bin/env bash
# Consilium's fixed benchmark workloads. Run by hand on a quiet machine, never
# in CI: the numbers mean something only when nothing else competes for the
# cores. Results (JSON + Markdown) land in bench/results/<UTC time>/.
#
#   bash bench/run.sh [all|connections|throughput|two-nodes|baselines|reconnect-storm]...
#
# Knobs (environment):
#   CONNECTIONS   idle sockets for `connections` (default 19900: this sandbox's
#                 hard open-file limit is 20000 per process, and the server
#                 needs a few dozen descriptors of its own)
#   RATES         message rates for the throughput steps (msg/s)
#   STEP_SECS     seconds per step (default 15); HOLD_SECS for the sustained run (60)
#   TEAMS, MEMBERS  the team shape (default 50 × 20)
#   BENCH_DB      scratch database, dropped and recreated (default consilium_bench)
#   DB_POOL_SIZE  the server's pool size, also pgbench's client count (default 16)
#   CONSILIUM_BIN, LOADGEN_BIN  measure these binaries instead of building
#                 (e.g. a copy of an older build, for before/after figures)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/services.sh

connections=${CONNECTIONS:-19900}
rates=${RATES:-500,1000,1500,2000,2500,3000,3500,4000}
step_secs=${STEP_SECS:-15}
hold_secs=${HOLD_SECS:-60}
teams=${TEAMS:-50}
members=${MEMBERS:-20}
db=${BENCH_DB:-consilium_bench}
pool=${DB_POOL_SIZE:-16}
pg_url=postgres://postgres@127.0.0.1:5432
redis_url=${REDIS_URL:-redis://127.0.0.1:6379}
admin_password=bench-admin-password
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

log() { printf 'bench: %s\n' "$*" >&2; }

if [[ -z ${CONSILIUM_BIN:-} ]]; then
  log "building release binaries"
  cargo build --release --quiet -p consilium-server -p consilium-tests --bin consilium --bin loadgen
fi
bin=${CONSILIUM_BIN:-target/release/consilium}
loadgen=${LOADGEN_BIN:-target/release/loadgen}

# raise the soft open-file limit as far as the hard limit allows
ulimit -n "$(ulimit -Hn)"

pids=()
stop_nodes() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_nodes EXIT

fresh_db() {
  psql -q "$pg_url/postgres" -c "drop database if exists $db with (force)" -c "create database $db"
  redis-cli -u "$redis_url" --scan --pattern 'bench:*' | xargs -r redis-cli -u "$redis_url" del >/dev/null
}

# start_node PORT [REDIS]: a release server on 127.0.0.1:PORT
start_node() {
  local port=$1 with_redis=${2:-yes}
  local env=(
    DATABASE_URL="$pg_url/$db" BIND_ADDR="127.0.0.1:$port" JWT_SECRET=bench-secret-bench-secret-bench-secret
    BOOTSTRAP_ADMIN_USERNAME=admin BOOTSTRAP_ADMIN_PASSWORD=$admin_password APP_ENV=production REQUIRE_2FA_FOR_ADMINS=false DATA_ENCRYPTION_KEY=$(printf "ab%.0s" $(seq 32))
    LOG_FORMAT=json RUST_LOG=warn DB_POOL_SIZE="$pool" REDIS_PREFIX=bench
  )
  [[ $with_redis == yes ]] && env+=(REDIS_URL="$redis_url")
  env "${env[@]}" "$bin" serve >"$out/node-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.2
  done
  log "node on :$port did not become ready; see $out/node-$port.log"
  return 1
}

run_loadgen() {
  local name=$1 nodes=$2 server_pids=$3
  shift 3
  "$loadgen" --nodes "$nodes" --admin-user admin --admin-password "$admin_password" --pids "$server_pids" \
    --setup-concurrency 16 --out "$out/$name.json" "$@" | tee "$out/$name.md"
}

connections() {
  fresh_db
  start_node 18301
  run_loadgen connections http://127.0.0.1:18301 "${pids[0]}" \
    connections --connections "$connections" --hold-secs 60 --users 1000 --workers 2
  stop_nodes
}

# A reconnect storm during chat (issue 17): TEAMS × MEMBERS sockets keep
# STORM_RATE msg/s flowing (one throughput step of STORM_STEP_SECS) while
# STORM_SOCKETS more connect at once (the connections workload: tokens first,
# then every socket opened as fast as two client processes can, as after a
# node restart). Reports how fast the storm reached `ready` and what the chat
# saw meanwhile (loss, duplicates, p99 and max over the whole step).
reconnect_storm() {
  fresh_db
  start_node 18301
  run_loadgen storm-chat http://127.0.0.1:18301 "${pids[0]}" \
    throughput --teams "$teams" --members "$members" --rates "${STORM_RATE:-500}" \
    --step-secs "${STORM_STEP_SECS:-120}" --hold-secs 0 --stop-p99-ms 100000 &
  local chat=$!
  local online=0
  until [[ $online -ge $((teams * members)) ]]; do
    sleep 0.5
    online=$(curl -fs http://127.0.0.1:18301/metrics | awk '/^consilium_ws_sockets /{print $2}')
    online=${online:-0}
  done
  run_loadgen storm-sockets http://127.0.0.1:18301 "${pids[0]}" \
    connections --connections "${STORM_SOCKETS:-18000}" --hold-secs 10 --users 1000 --workers 2
  wait "$chat"
  stop_nodes
}

throughput() {
  fresh_db
  start_node 18301
  run_loadgen throughput-one-node http://127.0.0.1:18301 "${pids[0]}" \
    throughput --teams "$teams" --members "$members" --rates "$rates" --step-secs "$step_secs" --hold-secs "$hold_secs"
  stop_nodes
}

two_nodes() {
  fresh_db
  start_node 18301
  start_node 18302
  run_loadgen throughput-two-nodes http://127.0.0.1:18301,http://127.0.0.1:18302 "${pids[0]},${pids[1]}" \
    throughput --teams "$teams" --members "$members" --rates "$rates" --step-secs "$step_secs" --hold-secs "$hold_secs"
  stop_nodes
}

# The machine's own limits, at the durability the server uses (the cluster's
# defaults: synchronous_commit on, fsync on): a one-row insert per transaction
# with as many clients as the server's pool, and Redis SPUBLISH of an
# envelope-sized payload.
baselines() {
  fresh_db
  psql -q "$pg_url/$db" -c "create table bench_insert (id bigserial primary key, conversation_id uuid not null, seq bigint not null, body text not null, created_at timestamptz not null default now())"
  cat >"$out/insert.sql" <<'SQL'
insert into bench_insert (conversation_id, seq, body) values (gen_random_uuid(), 1, 'load|0|患者血压 150/95 mmHg，请评估');
SQL
  {
    echo "## pgbench one-row insert ($pool clients, 30 s)"
    pgbench -n -h 127.0.0.1 -U postgres -c "$pool" -j 2 -T 30 -f "$out/insert.sql" "$db" 2>&1 | grep -E 'tps|latency|number of (clients|transactions)'
    echo
    echo "## redis-benchmark SPUBLISH and PUBLISH (50 clients, 500-byte payload, 1000 channels)"
    payload=$(head -c 500 /dev/zero | tr '\0' x)
    for cmd in SPUBLISH PUBLISH; do
      redis-benchmark -h 127.0.0.1 -p 6379 -c 50 -n 400000 -r 1000 --csv "$cmd" 'bench:channel:__rand_int__' "$payload" |
        awk -F'","' -v cmd="$cmd" 'NR == 2 { print cmd ": " $2 " requests per second" }'
    done
  } | tee "$out/baselines.md"
}

workloads=("$@")
[[ ${#workloads[@]} -eq 0 || ${workloads[0]} == all ]] && workloads=(baselines connections throughput two-nodes)
{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (dirty)')"
  echo "postgres: $(psql -Atq "$pg_url/postgres" -c 'show server_version') synchronous_commit=$(psql -Atq "$pg_url/postgres" -c 'show synchronous_commit')"
  echo "redis: $(redis-cli -u "$redis_url" info server | grep redis_version | tr -d '\r')"
} | tee "$out/machine.txt"
for w in "${workloads[@]}"; do
  log "workload: $w"
  case $w in
    connections) connections ;;
    throughput) throughput ;;
    two-nodes) two_nodes ;;
    reconnect-storm) reconnect_storm ;;
    baselines) baselines ;;
    *) log "unknown workload $w" && exit 2 ;;
  esac
done
log "results in $out"
