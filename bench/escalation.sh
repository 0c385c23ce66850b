#!/usr/bin/env bash
# The escalation scheduler under load (issue 11): PENDING deadlines across
# TEAMS teams, falling due evenly over WINDOW_SECS; one `consilium serve`
# node fires them. Reports the node's CPU while the deadlines wait (the
# steady cost of polling) and while they fire, and how late each fired
# (fired_at - due_at: p50/p99/max). Run by hand on a quiet machine.
#
#   bash bench/escalation.sh
#
# Knobs: PENDING (10000), TEAMS (200), WINDOW_SECS (60), IDLE_SECS (30),
# BENCH_DB (consilium_bench_escalation), CONSILIUM_BIN.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/services.sh

pending=${PENDING:-10000}
teams=${TEAMS:-200}
window=${WINDOW_SECS:-60}
idle=${IDLE_SECS:-30}
db=${BENCH_DB:-consilium_bench_escalation}
pg=postgres://postgres@127.0.0.1:5432
bin=${CONSILIUM_BIN:-}
if [[ -z ${bin} ]]; then
  cargo build --release --bin consilium >&2
  bin=target/release/consilium
fi
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-escalation"
mkdir -p "$out"

psql -q "${pg}/postgres" -c "drop database if exists ${db}" -c "create database ${db}"
DATABASE_URL="${pg}/${db}" "${bin}" migrate >/dev/null

# The deadlines start falling due after the idle period, evenly over the window.
psql -q "${pg}/${db}" <<SQL
insert into users (id, username, display_name, password_hash, role, care_level)
select gen_random_uuid(), 'lead' || t, 'Lead ' || t, 'x', 'user', 'tertiary' from generate_series(1, ${teams}) t;
insert into teams (id, name, specialty)
select gen_random_uuid(), 'Team ' || t, 'cardiology' from generate_series(1, ${teams}) t;
insert into team_members (team_id, user_id, role)
select tm.id, u.id, 'lead'
from (select id, row_number() over (order by name) n from teams) tm
join (select id, row_number() over (order by username) n from users) u using (n);
create temp table work as
select i, gen_random_uuid() as case_id, gen_random_uuid() as conv_id, gen_random_uuid() as patient_id,
       (select id from teams order by name offset (i % ${teams}) limit 1) as team_id
from generate_series(1, ${pending}) i;
insert into patients (id, name, sex) select patient_id, 'P' || i, 'unknown' from work;
insert into conversations (id, kind, title, team_id) select conv_id, 'case', 'Case ' || i, team_id from work;
insert into cases (id, team_id, patient_id, title, status, priority, source, created_by, conversation_id, due_at)
select case_id, team_id, patient_id, 'Case ' || i, 'triage', 'emergency', 'intake',
       (select user_id from team_members m where m.team_id = work.team_id), conv_id,
       now() + interval '${idle} seconds' + (i::float / ${pending}) * interval '${window} seconds'
from work;
insert into escalation_timers (id, subject_kind, subject_id, level, due_at, step_ms)
select gen_random_uuid(), 'case', c.id, 1, c.due_at, 3600000 from cases c;
SQL

log="$out/server.log"
DATABASE_URL="${pg}/${db}" BIND_ADDR=127.0.0.1:0 LOG_FORMAT=json RUST_LOG=warn "${bin}" serve >"$log" 2>&1 &
pid=$!
trap 'kill ${pid} 2>/dev/null || true' EXIT
ticks() { awk '{print $14 + $15}' "/proc/${pid}/stat"; }
hz=$(getconf CLK_TCK)
sleep 5
t0=$(ticks); sleep $((idle - 10)); t1=$(ticks)
idle_cpu=$(python3 -c "print(round(100 * (${t1} - ${t0}) / ${hz} / $((idle - 10)), 2))")
t2=$(ticks); sleep $((window + 10)); t3=$(ticks)
firing_cpu=$(python3 -c "print(round(100 * (${t3} - ${t2}) / ${hz} / $((window + 10)), 2))")
sleep 3
read -r fired p50 p99 max < <(psql -At -F ' ' "${pg}/${db}" -c "
  select count(*),
         round(percentile_cont(0.5) within group (order by extract(epoch from fired_at - due_at))::numeric, 3),
         round(percentile_cont(0.99) within group (order by extract(epoch from fired_at - due_at))::numeric, 3),
         round(max(extract(epoch from fired_at - due_at))::numeric, 3)
  from escalation_timers where level = 1 and fired_at is not null")
notes=$(psql -At "${pg}/${db}" -c "select count(*) from notifications where kind = 'escalation'")
cat <<EOF2 | tee "$out/escalation.md"
| pending deadlines | teams | due over | server CPU while waiting | server CPU while firing | fired | notifications | lateness p50 | p99 | max |
|---|---|---|---|---|---|---|---|---|---|
| ${pending} | ${teams} | ${window} s | ${idle_cpu} % of a core | ${firing_cpu} % of a core | ${fired} | ${notes} | ${p50} s | ${p99} s | ${max} s |
EOF2
