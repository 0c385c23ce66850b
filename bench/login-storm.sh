#!/usr/bin/env bash
# A login storm during chat (issue 16), run by hand on a quiet machine:
#
#   bash bench/login-storm.sh
#
# One release node (APP_ENV=production REQUIRE_2FA_FOR_ADMINS=false). The load generator puts TEAMS ×
# MEMBERS doctors online and keeps RATE msg/s of chat flowing for STEP_SECS;
# meanwhile every second PARALLEL sign-ins arrive at once, WRONG of them with
# a wrong password (25 in all, under the per-address failure throttle: the
# storm comes from one address here), the rest right. Reports the
# chat's send→deliver p99 (from the load generator) and what the sign-ins got:
# 200, 401, 429 too_many_logins (the password hasher's queue is full: excess
# logins are refused at once instead of queueing behind the hasher) and 429
# too_many_failed_logins (the per-account and per-address throttle).
#
# Knobs: RATE (50), PARALLEL (50), WRONG (10), STORM_SECS (40), STEP_SECS (50),
# TEAMS (10), MEMBERS (20), CONSILIUM_BIN, LOADGEN_BIN.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/services.sh >/dev/null

rate=${RATE:-50}
parallel=${PARALLEL:-50}
wrong=${WRONG:-10}
storm_secs=${STORM_SECS:-40}
step_secs=${STEP_SECS:-50}
teams=${TEAMS:-10}
members=${MEMBERS:-20}
pg=postgres://postgres@127.0.0.1:5432
db=consilium_bench_logins
port=18313
admin_password=bench-admin-password
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-login-storm"
mkdir -p "$out"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

if [[ -z ${CONSILIUM_BIN:-} || -z ${LOADGEN_BIN:-} ]]; then
  cargo build --release --quiet -p consilium-server -p consilium-tests --bin consilium --bin loadgen
fi
bin=${CONSILIUM_BIN:-target/release/consilium}
loadgen=${LOADGEN_BIN:-target/release/loadgen}

psql -q "${pg}/postgres" -c "drop database if exists ${db} with (force)" -c "create database ${db}"
redis-cli --scan --pattern 'benchlogin:*' | xargs -r redis-cli del >/dev/null
env DATABASE_URL="${pg}/${db}" BIND_ADDR="127.0.0.1:${port}" JWT_SECRET=bench-secret-bench-secret-bench-secret \
  BOOTSTRAP_ADMIN_USERNAME=admin BOOTSTRAP_ADMIN_PASSWORD="$admin_password" APP_ENV=production REQUIRE_2FA_FOR_ADMINS=false RUST_LOG=warn \
  LOG_FORMAT=json REDIS_URL=redis://127.0.0.1:6379 REDIS_PREFIX=benchlogin DATA_ENCRYPTION_KEY="$(printf 'ab%.0s' $(seq 32))" \
  ALLOWED_ORIGINS="http://127.0.0.1:${port}" "$bin" serve >"$out/node.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 100); do curl -fs "http://127.0.0.1:${port}/readyz" >/dev/null && break; sleep 0.2; done

"$loadgen" --nodes "http://127.0.0.1:${port}" --admin-password "$admin_password" --pids "$server_pid" \
  --out "$out/loadgen.json" throughput --teams "$teams" --members "$members" --rates "$rate" \
  --step-secs "$step_secs" --hold-secs 0 --stop-p99-ms 100000 --target-p99-ms 250 >"$out/loadgen.log" 2>&1 &
loadgen_pid=$!
pids+=("$loadgen_pid")

python3 - "$port" "$admin_password" "$parallel" "$wrong" "$storm_secs" "$((teams * members))" <<'PY' | tee "$out/storm.md"
import collections, concurrent.futures, json, re, sys, time, urllib.error, urllib.request

port, password, parallel, wrong, secs, sockets = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
base = f"http://127.0.0.1:{port}"

def online():
    text = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
    m = re.search(r"^consilium_ws_sockets (\d+)", text, re.M)
    return int(m.group(1)) if m else 0

deadline = time.time() + 300
while online() < sockets and time.time() < deadline:
    time.sleep(0.5)

# Wrong passwords go to accounts that do not exist (each checked against the
# dummy hash, as costly as a real one) and stop before the per-address
# failure throttle (30 in 15 minutes) would refuse this one client address
# everything: a real storm comes from many addresses.
wrong_left = min(25, wrong * secs)

def login(job):
    i, is_wrong = job
    body = {"username": f"nobody-{i}" if is_wrong else "admin", "password": "not-the-password" if is_wrong else password}
    req = urllib.request.Request(f"{base}/api/v1/auth/login", json.dumps(body).encode(), {"content-type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            outcome = str(r.status)
    except urllib.error.HTTPError as e:
        try:
            reason = json.loads(e.read())["error"]["reason"]
        except Exception:
            reason = "?"
        outcome = f"{e.code} {reason}"
    return outcome, (time.perf_counter() - t0) * 1000

counts = collections.Counter()
latency = collections.defaultdict(list)
started = time.time()
with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
    while time.time() - started < secs:
        tick = time.time()
        wrong_now = min(wrong, wrong_left)
        wrong_left -= wrong_now
        for outcome, ms in pool.map(login, [(i, i < wrong_now) for i in range(parallel)]):
            counts[outcome] += 1
            latency[outcome].append(ms)
        time.sleep(max(0.0, 1.0 - (time.time() - tick)))
print(f"# Login storm, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
print()
print(f"{parallel} sign-ins at once every second for {secs} s ({wrong} with a wrong password), during chat")
print()
print("| outcome | count | median ms | max ms |\n|---|---|---|---|")
for outcome, n in sorted(counts.items()):
    ms = sorted(latency[outcome])
    print(f"| {outcome} | {n} | {ms[len(ms) // 2]:.0f} | {ms[-1]:.0f} |")
PY

wait "$loadgen_pid" || true
{ echo; grep -E '^\|' "$out/loadgen.log" || echo "no table from the load generator: see $out/loadgen.log"; } | tee -a "$out/storm.md"
echo "results in $out"
