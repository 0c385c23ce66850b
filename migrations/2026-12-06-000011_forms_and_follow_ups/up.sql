-- Structured forms (SPEC §10): the referral form (转诊单) and the consult
-- request (会诊申请) carry a case summary and diagnoses; a referral also its
-- purpose and precautions, and a down-referral the follow-up plan (随访计划)
-- the patient goes back with (a table of its own: one row per referral,
-- none for referrals made before forms existed). Diagnoses are `[{code?, text}]`, checked by the
-- server (an ICD-10 code's form, never a lookup).
create table referral_forms (
    referral_id uuid primary key references referrals (id),
    summary text not null default '',
    diagnoses jsonb not null default '[]'::jsonb check (jsonb_typeof(diagnoses) = 'array'),
    purpose text not null default '',
    precautions text not null default '',
    follow_up_plan text
);
alter table consults
    add column summary text not null default '',
    add column diagnoses jsonb not null default '[]'::jsonb check (jsonb_typeof(diagnoses) = 'array');

-- Follow-up (随访): items of a case's follow-up plan, each with a due date and
-- the doctor who does it; the result closes the loop back to the planner.
-- Part of the medical record: never deleted.
create table follow_ups (
    id uuid primary key,
    case_id uuid not null references cases (id),
    title text not null,
    instructions text not null default '',
    due_at timestamptz not null,
    assignee_id uuid not null references users (id),
    created_by uuid not null references users (id),
    status text not null default 'open' check (status in ('open', 'done')),
    result text,
    completed_at timestamptz,
    completed_by uuid references users (id),
    created_at timestamptz not null default now(),
    check ((status = 'done') = (result is not null and completed_at is not null and completed_by is not null))
);
-- "my follow-ups": open ones by due date, done ones by completion
create index follow_ups_assignee_open on follow_ups (assignee_id, due_at) where status = 'open';
create index follow_ups_assignee_done on follow_ups (assignee_id, completed_at desc) where status = 'done';
create index follow_ups_case on follow_ups (case_id, due_at);

-- A follow-up's timers: level 0 reminds its assignee as it comes due
-- (`follow_up_due`), levels 1 and 2 escalate it once overdue, as §7's deadlines.
alter table escalation_timers drop constraint escalation_timers_subject_kind_check;
alter table escalation_timers add constraint escalation_timers_subject_kind_check
    check (subject_kind in ('case', 'consult', 'message', 'follow_up'));
alter table escalation_timers drop constraint escalation_timers_level_check;
alter table escalation_timers add constraint escalation_timers_level_check check (level between 0 and 2);

alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind in (
    'assigned', 'mentioned', 'urgent_message', 'consult_requested', 'consult_answered',
    'referral_received', 'referral_updated', 'follow_up_due', 'follow_up_completed', 'escalation', 'call'));
