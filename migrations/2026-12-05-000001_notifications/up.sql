-- Notifications (SPEC §7): what the server tells one person needs them.
-- Created by the server in the statement after the change they report,
-- read and marked read by their user; expired ones may be purged (they
-- are not part of the medical record: the case, consult, referral and
-- message they point at are).
create table notifications (
    id uuid primary key,
    user_id uuid not null references users(id),
    kind text not null check (kind in (
        'assigned', 'mentioned', 'urgent_message', 'consult_requested', 'consult_answered',
        'referral_received', 'referral_updated', 'follow_up_due', 'escalation', 'call')),
    title text not null,
    body text not null,
    link jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    read_at timestamptz
);

-- A user's list, newest first, and their unread count.
create index notifications_user_created on notifications (user_id, created_at desc, id desc);
create index notifications_user_unread on notifications (user_id) where read_at is null;
