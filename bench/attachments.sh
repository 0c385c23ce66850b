#!/usr/bin/env bash
# Case materials under load (issue 12), run by hand on a quiet machine:
#
#   bash bench/attachments.sh
#
# 1. 1 GiB uploads to one release node (STORAGE_BACKEND=fs on the same disk
#    as the copy it is compared with): the node's RSS growth (VmHWM after
#    minus VmRSS before) and throughput next to `cp` of the same file.
# 2. The preview of a 4000 x 3000 JPEG (previewbench: the server's own
#    processing function, median of 10).
# 3. Chat p99 at 500 msg/s (loadgen throughput, 20 teams x 10 members)
#    alone, and again while 50 concurrent 5 MiB uploads run (one curl
#    process, all transfers in parallel).
#
# Knobs: BIG_MIB (1024), REPEAT (5: cp and upload alternate, medians compared), CHAT_RATE (500), UPLOADS (50), UPLOAD_KIB (5120), WORK_PARENT (/var/tmp: where the store and the files live), UPLOAD_CLIENT_PREFIX (say `nice -n 19`, before the uploads' curl), UPLOAD_RATE (curl's --limit-rate for each upload: 2400K for fifty sharing a 1 Gbit/s link; unset, loopback delivers at memory speed), ATTACHMENT_YIELD_TO_CHAT (false: the node's uploads never give way to chat, to measure what giving way buys), CONSILIUM_BIN, PERF_OUT
# (a file: `perf record -a -g` of the whole machine during the big upload),
# PERF_BURST_OUT (the same through the first 3 s of the 50 uploads),
# CHAT=0 (stop after parts 1 and 2, to iterate on the upload path),
# UPLOAD_NETNS=1 (the 50 uploads' curl runs in a network namespace of its
# own, reaching the node over a veth pair as a client on the ward's network
# would, instead of on the loopback that the node, Postgres, Redis and
# loadgen share), CLIENT_PARENT (/dev/shm: where the 50 uploads' files
# live), NODE_PREFIX (before the node's command, say `ionice -c3`),
# POSTGRES_NICE (say -5), PERF_SCHED_OUT (a file: `perf sched record` of
# the burst's first 1.7 s).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/services.sh >/dev/null

big_mib=${BIG_MIB:-1024}
rate=${CHAT_RATE:-500}
uploads=${UPLOADS:-50}
upload_kib=${UPLOAD_KIB:-5120}
repeat=${REPEAT:-5}
pg=postgres://postgres@127.0.0.1:5432
db=consilium_bench_attachments
port=18311
admin_password=bench-admin-password
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-attachments"
mkdir -p "$out"
work=$(mktemp -d "${WORK_PARENT:-/var/tmp}/consilium-attach-bench.XXXXXX")
netns=consilium-bench-up
trap 'kill "${server_pid:-}" "${vmstat_pid:-}" 2>/dev/null || true; rm -rf "$work"; [[ ${UPLOAD_NETNS:-0} != 1 ]] || ip netns del "$netns" 2>/dev/null || true' EXIT
bind_ip=127.0.0.1
upload_host=127.0.0.1
burst_client=()
if [[ ${UPLOAD_NETNS:-0} == 1 ]]; then
  # the node listens on the host's end of the pair too; the burst's client
  # lives at the other end, with a loopback and a route of its own
  ip netns del "$netns" 2>/dev/null || true
  ip netns add "$netns"
  ip link add cbench-host type veth peer name cbench-ward netns "$netns"
  ip addr add 10.231.0.1/24 dev cbench-host
  ip link set cbench-host up
  ip -n "$netns" addr add 10.231.0.2/24 dev cbench-ward
  ip -n "$netns" link set cbench-ward up
  ip -n "$netns" link set lo up
  bind_ip=0.0.0.0
  upload_host=10.231.0.1
  burst_client=(ip netns exec "$netns")
fi

if [[ -z ${CONSILIUM_BIN:-} ]]; then
  cargo build --release --quiet -p consilium-server -p consilium-tests --bin consilium --bin loadgen --bin previewbench
fi
bin=${CONSILIUM_BIN:-target/release/consilium}

psql -q "${pg}/postgres" -c "drop database if exists ${db} with (force)" -c "create database ${db}"
env DATABASE_URL="${pg}/${db}" BIND_ADDR="${bind_ip}:${port}" JWT_SECRET=bench-secret-bench-secret-bench-secret \
  BOOTSTRAP_ADMIN_USERNAME=admin BOOTSTRAP_ADMIN_PASSWORD="$admin_password" APP_ENV=production REQUIRE_2FA_FOR_ADMINS=false DATA_ENCRYPTION_KEY=$(printf "ab%.0s" $(seq 32)) RUST_LOG=warn \
  STORAGE_DIR="$work/store" ATTACHMENT_MAX_BYTES=$((big_mib * 1024 * 1024 + 1048576)) ATTACHMENT_MAX_PENDING=1000 \
  ${NODE_PREFIX:-} "$bin" serve >"$out/node.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:${port}/readyz" >/dev/null && break; sleep 0.2; done

api=http://127.0.0.1:${port}/api/v1
token=$(curl -fs "$api/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"${admin_password}\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth=(-H "authorization: Bearer ${token}")
peer=$(curl -fs "$api/users" "${auth[@]}" -H 'content-type: application/json' \
  -d '{"username":"bench_peer","display_name":"Peer","password":"bench-peer-password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
conversation=$(curl -fs -X POST "$api/direct/${peer}" "${auth[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

rss_kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

{
  echo "# Attachments benchmark, $(date -u +%FT%TZ), $(nproc) cores"
  echo
  echo "## ${big_mib} MiB upload (fs backend, same disk as cp)"
  # a PDF by its magic bytes, random after it (incompressible, no dedupe)
  { printf '%%PDF-1.7\n'; head -c $((big_mib * 1024 * 1024 - 9)) /dev/urandom; } >"$work/big.pdf"
  sync
  before=$(rss_kib "$server_pid" VmRSS)
  # PERF_OUT=file: profile the whole machine during the first upload (perf report -i file)
  profile=()
  [[ -n ${PERF_OUT:-} ]] && profile=(perf record -a -g -F 999 -o "$PERF_OUT" --)
  # `cp` of the same gigabyte, then `sync`, took from 0.85 to 4.4 s on one
  # virtual disk (docs/performance.md), so one pair of timings says little:
  # cp and upload alternate REPEAT times (at most 10 distinct files) and the
  # medians are compared.
  echo
  echo "| run | cp (then sync) | upload (then sync) | upload / cp |"
  echo "|---|---|---|---|"
  : >"$work/timings"
  for run in $(seq "$repeat"); do
    # a different first line each run: the same bytes twice would be stored once
    printf '%%PDF-1.%d\n' $((run % 10)) | dd of="$work/big.pdf" conv=notrunc status=none
    sync
    start=$(date +%s.%N)
    cp "$work/big.pdf" "$work/copy.pdf" && sync
    cp_secs=$(echo "$(date +%s.%N) - $start" | bc)
    rm -f "$work/copy.pdf"
    sync
    start=$(date +%s.%N)
    status=$("${profile[@]}" curl -s -o "$work/upload.json" -w '%{http_code}' "$api/conversations/${conversation}/attachments" "${auth[@]}" \
      -F "file=@$work/big.pdf;type=application/octet-stream")
    sync
    up_secs=$(echo "$(date +%s.%N) - $start" | bc)
    profile=()
    [[ $status == 201 ]] || { echo "upload answered ${status}: $(cat "$work/upload.json")"; exit 1; }
    echo "$cp_secs $up_secs" >>"$work/timings"
    printf '| %d | %.2f s, %d MiB/s | %.2f s, %d MiB/s | %.2f |\n' "$run" "$cp_secs" "$(echo "${big_mib} / ${cp_secs}" | bc)" \
      "$up_secs" "$(echo "${big_mib} / ${up_secs}" | bc)" "$(echo "scale=3; ${cp_secs} / ${up_secs}" | bc)"
  done
  peak=$(rss_kib "$server_pid" VmHWM)
  median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
  cp_median=$(cut -d' ' -f1 "$work/timings" | median)
  up_median=$(cut -d' ' -f2 "$work/timings" | median)
  echo
  echo "- median of ${repeat}: cp ${cp_median} s ($(echo "${big_mib} / ${cp_median}" | bc) MiB/s), upload ${up_median} s ($(echo "${big_mib} / ${up_median}" | bc) MiB/s)"
  echo "- upload throughput / cp throughput (medians): $(echo "scale=2; ${cp_median} / ${up_median}" | bc)"
  echo "- server RSS before ${before} KiB, peak during ${peak} KiB: growth $(((peak - before) / 1024)) MiB"
  rm -f "$work/big.pdf"
  echo
  echo "## Preview"
  target/release/previewbench 10
  echo
} | tee "$out/summary.md"

if [[ ${CHAT:-1} == 0 ]]; then
  echo "results in $out"
  exit 0
fi

# Chat p99 alone, then with concurrent uploads.
loadgen() {
  target/release/loadgen --nodes "http://127.0.0.1:${port}" --admin-user admin --admin-password "$admin_password" \
    --pids "$server_pid" --setup-concurrency 16 --out "$out/$1.json" \
    throughput --teams 20 --members 10 --rates "$rate" --step-secs 40 --hold-secs 0 --stop-p99-ms 10000 | tee "$out/$1.md"
}
# The client's files live in memory (tmpfs), as they would on the phones
# that send them: on the node's disk they cost that disk twice. Written
# there during the run, the kernel flushed their 250 MiB 30 s later
# (dirty_expire_centisecs); written before it, this VM's proactive reclaim
# (DAMON `pageout` of pages idle for 60 s) had evicted them by the burst,
# and `curl` read them back from the disk that Postgres' WAL is on, 20–30
# MB/s as the burst began. Either way chat stalled for the benchmark's own
# sake.
client=$(mktemp -d "${CLIENT_PARENT:-/dev/shm}/consilium-attach-client.XXXXXX")
trap 'kill "${server_pid:-}" "${vmstat_pid:-}" 2>/dev/null || true; rm -rf "$work" "$client"; [[ ${UPLOAD_NETNS:-0} != 1 ]] || ip netns del "$netns" 2>/dev/null || true' EXIT
head -c $((upload_kib * 1024 - 9)) /dev/urandom >"$client/five.bin"
for i in $(seq "$uploads"); do
  { printf '%%PDF-1.7\n'; cat "$client/five.bin"; printf '%s' "$i"; } >"$client/five-$i.pdf"
done
sync
# POSTGRES_NICE=-5: the machine's Postgres ahead of everything else on the
# cores, as if it had its own (it stays so until reniced back)
if [[ -n ${POSTGRES_NICE:-} ]]; then renice -n "$POSTGRES_NICE" -p $(pgrep -x postgres) >/dev/null; fi
loadgen chat-alone >/dev/null
# how late the node's pressure probe woke, and how long uploads gave way to
# chat (server/src/pressure.rs): read before and after the run with uploads
curl -fs "http://127.0.0.1:${port}/metrics" >"$out/metrics-after-chat-alone.txt" || true
batches() { curl -fs "http://127.0.0.1:${port}/metrics" | awk '$1 == "consilium_message_batch_size_count" {print $2}'; }
batches_before=$(batches)
(
  # about 12 s into the measured step: loadgen's setup (users, teams, cases,
  # sockets) takes a machine-dependent while, so wait until the node has
  # stored 200 batches of messages (under a second of chat), then 11 s
  for _ in $(seq 1200); do
    (($(batches) >= batches_before + 200)) && break
    sleep 0.1
  done
  sleep 11
  # one client process with every upload in flight at once (`--parallel`),
  # as browsers elsewhere would be: fifty curl processes on the server's own
  # two cores measured the client's scheduling more than the server
  args=()
  for i in $(seq "$uploads"); do
    ((i > 1)) && args+=(--next)
    args+=(-s -o /dev/null -w '%{http_code} %{time_total}\n' "${auth[@]}" ${UPLOAD_RATE:+--limit-rate "$UPLOAD_RATE"} -F "file=@$client/five-$i.pdf"
      "http://${upload_host}:${port}/api/v1/conversations/${conversation}/attachments")
  done
  # PERF_BURST_OUT=file: profile the whole machine through the burst
  if [[ -n ${PERF_BURST_OUT:-} ]]; then
    perf record -a -g -F 999 -o "$PERF_BURST_OUT" -- sleep 3 >/dev/null 2>&1 &
  fi
  # PERF_SCHED_OUT=file: every thread's scheduling through the burst's start
  # (perf sched timehist -i file --state: who waited, for what)
  if [[ -n ${PERF_SCHED_OUT:-} ]]; then
    perf sched record -g -o "$PERF_SCHED_OUT" -- sleep 2 >/dev/null 2>&1 &
    sleep 0.3
  fi
  "${burst_client[@]}" ${UPLOAD_CLIENT_PREFIX:-} curl --silent --parallel --parallel-immediate --parallel-max "$uploads" "${args[@]}" 2>/dev/null
) >"$out/uploads.txt" &
uploader=$!
# the machine second by second (CPU user/system/iowait, blocked tasks, disk
# writes) through the run with uploads: which resource the burst takes
vmstat -n -t 1 >"$out/vmstat-with-uploads.txt" &
vmstat_pid=$!
# the kernel's per-CPU receive queues (one row per CPU; the second column
# counts packets dropped because the queue was full, the third the times
# the receive work ran out of budget), before and after the run
cp /proc/net/softnet_stat "$out/softnet-before.txt"
loadgen chat-with-uploads >/dev/null
cp /proc/net/softnet_stat "$out/softnet-after.txt"
wait "$uploader"
kill "$vmstat_pid" 2>/dev/null || true
vmstat_pid=
curl -fs "http://127.0.0.1:${port}/metrics" >"$out/metrics-after-uploads.txt" || true
{
  echo "## Chat at ${rate} msg/s, alone and with ${uploads} concurrent ${upload_kib} KiB uploads"
  echo
  echo "alone:"
  grep -E '^\|' "$out/chat-alone.md" | head -4
  echo
  echo "with uploads ($(grep -c '^201' "$out/uploads.txt")/${uploads} answered 201; slowest $(sort -k2 -n "$out/uploads.txt" | tail -1 | cut -d' ' -f2) s):"
  grep -E '^\|' "$out/chat-with-uploads.md" | head -4
  echo
  # when chat was slow, and how slow: the tenths of a second whose slowest
  # ack took more than twice the p99 of chat alone
  python3 - "$out/chat-alone.json" "$out/chat-with-uploads.json" <<'PY'
import json, sys
alone, loaded = (json.load(open(f))["steps"][0] for f in sys.argv[1:])
bar = 2 * alone["ack"]["p99_ms"]
slow = [f"{at:.1f} s: {ms:.0f} ms" for at, ms in loaded["worst_ack_ms_by_tenth"] if ms > bar]
print(f"- tenths of a second with an ack slower than {bar:.0f} ms (twice alone's p99): {len(slow)}")
if slow:
    print("  " + ", ".join(slow))
# loadgen shares the cores: how late its own 5 ms sleeps woke tells a slow
# node from a starved client (older loadgen builds do not report it)
for name, step in (("alone", alone), ("with uploads", loaded)):
    late = step.get("client_wakeup_lateness")
    if late:
        print(f"- loadgen's own wake-ups {name}: p99 {late['p99_ms']:.1f} ms, max {late['max_ms']:.1f} ms late")
late_tenths = {at: ms for at, ms in loaded.get("worst_client_lateness_ms_by_tenth", [])}
if slow and late_tenths:
    print("  in the slow tenths above, loadgen itself woke late by: " + ", ".join(
        f"{at:.1f} s: {late_tenths.get(at, 0):.0f} ms" for at, ms in loaded["worst_ack_ms_by_tenth"] if ms > bar))
PY
  python3 - "$out/softnet-before.txt" "$out/softnet-after.txt" "$(cat /proc/sys/net/core/netdev_max_backlog)" <<'PY'
import sys
rows = [[[int(v, 16) for v in line.split()] for line in open(f)] for f in sys.argv[1:3]]
dropped = sum(a[1] - b[1] for b, a in zip(*rows))
squeezed = sum(a[2] - b[2] for b, a in zip(*rows))
print(f"- packets dropped by full per-CPU receive queues (netdev_max_backlog {sys.argv[3]}) through the run with uploads: {dropped}; receive work out of budget: {squeezed} times")
PY
  python3 - "$out/metrics-after-chat-alone.txt" "$out/metrics-after-uploads.txt" <<'PY'
import sys
def read(path):
    values = {}
    try:
        for line in open(path):
            if line.startswith(("consilium_uploads_yielded_seconds_total", "consilium_runtime_wakeup_lateness_seconds_", "consilium_message_batch_store_seconds_", "consilium_ws_send_seconds_")):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
    except OSError:
        pass
    return values
before, after = read(sys.argv[1]), read(sys.argv[2])
if after:
    yielded = after.get("consilium_uploads_yielded_seconds_total", 0) - before.get("consilium_uploads_yielded_seconds_total", 0)
    print(f"- uploads gave way to chat for {yielded:.2f} s in all (summed over uploads)")
    for metric, what in (
        ("consilium_runtime_wakeup_lateness_seconds", "the pressure probe's wake-ups, by lateness"),
        ("consilium_message_batch_store_seconds", "message batches, by time to store"),
        ("consilium_ws_send_seconds", "sends, by time from their frame to their ack in the node"),
    ):
        count = after.get(f"{metric}_count", 0) - before.get(f"{metric}_count", 0)
        buckets = []
        for name, value in after.items():
            if name.startswith(f"{metric}_bucket"):
                le = name.split('le="')[1].split('"')[0]
                buckets.append((float(le), le, value - before.get(name, 0)))
        if count:
            shares = ", ".join(f"<= {le} s: {n / count:.1%}" for _, le, n in sorted(buckets))
            print(f"- {what}, through the run with uploads: {shares}")
PY
} | tee -a "$out/summary.md"
echo "results in $out"
