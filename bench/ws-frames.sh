#!/usr/bin/env bash
# Oversized websocket frames (issue 16), run by hand:
#
#   bash bench/ws-frames.sh
#
# One node; an authenticated socket sends three 10 MB text frames (the limit
# is 64 KiB) on three sockets, one after the other, writing each frame whole
# as a hostile client would. Reports the node's RSS growth (VmHWM after the
# three minus VmRSS before) and the close code each socket got.
# Knobs: FRAME_MIB (10), FRAMES (3), CONSILIUM_BIN.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/services.sh >/dev/null

pg=postgres://postgres@127.0.0.1:5432
db=consilium_bench_frames
port=18312
admin_password=bench-admin-password
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-ws-frames"
mkdir -p "$out"
trap 'kill "${server_pid:-}" 2>/dev/null || true' EXIT

if [[ -z ${CONSILIUM_BIN:-} ]]; then
  cargo build --release --quiet -p consilium-server --bin consilium
fi
bin=${CONSILIUM_BIN:-target/release/consilium}

psql -q "${pg}/postgres" -c "drop database if exists ${db} with (force)" -c "create database ${db}"
env DATABASE_URL="${pg}/${db}" BIND_ADDR="127.0.0.1:${port}" JWT_SECRET=bench-secret-bench-secret-bench-secret \
  BOOTSTRAP_ADMIN_USERNAME=admin BOOTSTRAP_ADMIN_PASSWORD="$admin_password" APP_ENV=production REQUIRE_2FA_FOR_ADMINS=false DATA_ENCRYPTION_KEY=$(printf "ab%.0s" $(seq 32)) RUST_LOG=warn \
  ALLOWED_ORIGINS="http://127.0.0.1:${port}" "$bin" serve >"$out/node.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:${port}/readyz" >/dev/null && break; sleep 0.2; done
token=$(curl -fs "http://127.0.0.1:${port}/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"${admin_password}\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

python3 - "$server_pid" "$port" "$token" "${FRAME_MIB:-10}" "${FRAMES:-3}" <<'PY' | tee "$out/summary.md"
import base64, os, socket, struct, sys, time

pid, port, token, mib, frames = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

def status(key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])

def socket_open():
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return s

def frame(payload):
    mask = os.urandom(4)
    header = bytes([0x81, 0x80 | 127]) + struct.pack(">Q", len(payload)) + mask
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload[:4096]))  # the rest need not be masked right: it is refused first
    return header + masked + payload[4096:]

def close_code(s):
    s.settimeout(5)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            i = data.find(b"\x88")
            if i >= 0 and len(data) >= i + 4:
                return struct.unpack(">H", data[i + 2:i + 4])[0]
    except (socket.timeout, ConnectionResetError):
        pass
    return None

time.sleep(1)
before = status("VmRSS")
codes = []
big = b"x" * (mib * 1024 * 1024)
for _ in range(frames):
    s = socket_open()
    sent = 0
    try:
        data = frame(big)
        while sent < len(data):
            sent += s.send(data[sent:sent + 1 << 20])
    except (BrokenPipeError, ConnectionResetError):
        pass
    codes.append(close_code(s))
    s.close()
time.sleep(1)
hwm, after = status("VmHWM"), status("VmRSS")
print(f"# Oversized websocket frames, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
print()
print(f"- {frames} frames of {mib} MiB, one per socket; close codes: {codes}")
print(f"- node RSS before: {before / 1024:.1f} MiB; peak after: {hwm / 1024:.1f} MiB; growth to peak: {(hwm - before) / 1024:.1f} MiB; RSS after: {after / 1024:.1f} MiB")
PY
