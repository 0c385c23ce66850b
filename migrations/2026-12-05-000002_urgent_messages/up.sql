-- Urgent messages (SPEC §7): a priority, whether recipients must
-- acknowledge, and who did. ack_count is kept on the message so history
-- reads need no join; message_acks is the record of who and when.
alter table messages
    add column priority text not null default 'normal' check (priority in ('normal', 'urgent', 'emergency')),
    add column ack_required boolean not null default false,
    add column ack_count integer not null default 0;

create table message_acks (
    message_id uuid not null references messages(id),
    user_id uuid not null references users(id),
    at timestamptz not null default now(),
    primary key (message_id, user_id)
);
