-- Per-user attention preferences (SPEC §7): how much each conversation may
-- notify (kept beside the user's read position in it), and duty status
-- with forwarding.
alter table conversation_reads
    add column notify text not null default 'all' check (notify in ('all', 'mentions', 'none'));

alter table users
    add column duty_status text not null default 'on_duty' check (duty_status in ('on_duty', 'off_duty', 'do_not_disturb')),
    add column duty_until timestamptz,
    add column forward_to uuid references users(id),
    add check (forward_to is null or forward_to <> id);
