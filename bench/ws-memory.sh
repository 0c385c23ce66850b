#!/usr/bin/env bash
# Where an idle websocket's memory goes (issue 17), run by hand:
#
#   bash bench/ws-memory.sh
#
# One release node. Opens SOCKETS websockets in two layers and reports the
# node's RSS growth per socket for each: first upgraded but not signed in
# (actix-http's connection, actix-ws's stream and session, the guard, a task
# waiting for the `auth` frame), then signed in with a bearer token (adds the
# session: hub registration, subscriptions, presence, the `ready` snapshot's
# leftovers). The difference between the layers is what Consilium's own
# session costs; the first layer is the HTTP/websocket stack's floor.
# Knobs: SOCKETS (5000), CONSILIUM_BIN.
#
# HEAPTRACK=1 profiles the heap instead (where the bytes go, by allocation
# site): it builds the node with the system allocator (`--features
# system-allocator`; heaptrack hooks malloc, which mimalloc bypasses), runs it
# under Debian's heaptrack, and writes the top peak consumers of the run,
# whose peak is with every socket of both layers open, to heap-peak.txt.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/services.sh >/dev/null

pg=postgres://postgres@127.0.0.1:5432
db=consilium_bench_wsmem
port=18314
admin_password=bench-admin-password
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-ws-memory"
mkdir -p "$out"
trap 'kill "${server_pid:-}" 2>/dev/null || true' EXIT
ulimit -n "$(ulimit -Hn)"

wrapper=()
if [[ ${HEAPTRACK:-0} == 1 ]]; then
  command -v heaptrack >/dev/null || { echo "ws-memory: HEAPTRACK=1 needs Debian's heaptrack (apt-get install heaptrack)" >&2; exit 1; }
  cargo build --release --quiet -p consilium-server --bin consilium --features system-allocator \
    --target-dir target/heaptrack
  bin=target/heaptrack/release/consilium
  wrapper=(heaptrack -o "$out/heaptrack")
else
  if [[ -z ${CONSILIUM_BIN:-} ]]; then
    cargo build --release --quiet -p consilium-server --bin consilium
  fi
  bin=${CONSILIUM_BIN:-target/release/consilium}
fi

psql -q "${pg}/postgres" -c "drop database if exists ${db} with (force)" -c "create database ${db}"
env DATABASE_URL="${pg}/${db}" BIND_ADDR="127.0.0.1:${port}" JWT_SECRET=bench-secret-bench-secret-bench-secret \
  BOOTSTRAP_ADMIN_USERNAME=admin BOOTSTRAP_ADMIN_PASSWORD="$admin_password" APP_ENV=production REQUIRE_2FA_FOR_ADMINS=false \
  DATA_ENCRYPTION_KEY="$(printf 'ab%.0s' $(seq 32))" RUST_LOG=warn WS_AUTH_TIMEOUT_MS=600000 \
  ALLOWED_ORIGINS="http://127.0.0.1:${port}" "${wrapper[@]}" "$bin" serve >"$out/node.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:${port}/readyz" >/dev/null && break; sleep 0.2; done
if [[ ${HEAPTRACK:-0} == 1 ]]; then
  # heaptrack runs the node as its child: measure the node's RSS, not the wrapper's
  for _ in $(seq 50); do
    child=$(pgrep -P "$server_pid" -x consilium || true)
    [[ -n $child ]] && break
    sleep 0.1
  done
  node_pid=${child:-$server_pid}
else
  node_pid=$server_pid
fi
token=$(curl -fs "http://127.0.0.1:${port}/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"${admin_password}\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

python3 - "$node_pid" "$port" "$token" "${SOCKETS:-5000}" <<'PY' | tee "$out/summary.md"
import base64, os, selectors, socket, sys, time

pid, port, token, n = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def open_many(count, with_token):
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        auth = f"Authorization: Bearer {token}\r\n" if with_token else ""
        s.sendall((f"GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{auth}\r\n").encode())
        socks.append(s)
    # read each upgrade answer (and, signed in, the ready frame) so every socket is established
    for s in socks:
        s.settimeout(30)
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(65536)
        assert head.startswith(b"HTTP/1.1 101"), head[:120]
        if with_token and b'"ready"' not in head:
            got = b""
            while b'"ready"' not in got:
                got += s.recv(65536)
    return socks

def settle():
    time.sleep(3)
    return rss_kib()

time.sleep(1)
base = settle()
unauth = open_many(n, False)
after_unauth = settle()
authed = open_many(n, True)
after_auth = settle()
per_unauth = (after_unauth - base) / n
per_auth = (after_auth - after_unauth) / n
print(f"# Websocket memory by layer, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
print()
print(f"{n} sockets per layer; node RSS {base / 1024:.1f} → {after_unauth / 1024:.1f} → {after_auth / 1024:.1f} MiB")
print()
print("| layer | RSS per socket (KiB) |\n|---|---|")
print(f"| upgraded, waiting for `auth` (HTTP/1 dispatcher, actix-ws, guard, task) | {per_unauth:.1f} |")
print(f"| signed in (adds the session: hub, subscriptions, presence, `ready`) | {per_auth:.1f} |")
print(f"| the session's own share | {per_auth - per_unauth:.1f} |")
for s in unauth + authed:
    s.close()
PY

if [[ ${HEAPTRACK:-0} == 1 ]]; then
  kill -TERM "$node_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  data=$(compgen -G "$out/heaptrack*" | head -1 || true)
  heaptrack_print --print-peaks 1 --print-allocators 0 --print-temporary 0 --print-leaks 0 \
    --peak-limit 25 --sub-peak-limit 3 "$data" > "$out/heap-peak.txt"
  # one line per allocation site: what it holds at the peak, and from how many calls
  awk '/peak memory consumed over/{size=$1; calls=$6; getline; sub(/^ +/, ""); print size "\t" calls "\t" substr($0, 1, 160)}' \
    "$out/heap-peak.txt" > "$out/heap-peak-sites.tsv"
  echo "heap profile: $out/heap-peak.txt, by site: $out/heap-peak-sites.tsv (raw: $data)"
fi
