-- Deadlines and escalation (SPEC §7). A team's deadlines; the due time of
-- what waits (a case in triage, a requested consult, an unacknowledged
-- message); and the escalation timers themselves, which live here rather
-- than in any process's memory so that every node can fire them and each
-- fires exactly once (the scheduler takes due rows with FOR UPDATE SKIP
-- LOCKED and marks them fired in the transaction that notifies).
create table team_settings (
    team_id uuid primary key references teams(id),
    settings jsonb not null,
    updated_at timestamptz not null default now()
);

alter table cases add column due_at timestamptz;
alter table consults add column due_at timestamptz;
alter table messages add column ack_due_at timestamptz;

create table escalation_timers (
    id uuid primary key,
    subject_kind text not null check (subject_kind in ('case', 'consult', 'message')),
    subject_id uuid not null,
    level integer not null check (level between 1 and 2),
    due_at timestamptz not null,
    -- the deadline's length: the next level falls due this much later
    step_ms bigint not null check (step_ms > 0),
    fired_at timestamptz,
    outcome text check (outcome in ('escalated', 'resolved')),
    unique (subject_kind, subject_id, level)
);
create index escalation_timers_due on escalation_timers (due_at) where fired_at is null;
