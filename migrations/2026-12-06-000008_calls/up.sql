-- Video consults (SPEC §9): the record of calls. Media never reaches the
-- server; these rows say who called, who joined from which socket and when.
create table calls (
    id uuid primary key,
    conversation_id uuid not null references conversations (id),
    started_by uuid not null references users (id),
    started_at timestamptz not null default now(),
    ended_at timestamptz,
    -- members who declined the ring (their other devices stop ringing)
    declined_by uuid[] not null default '{}'
);
-- one live call per conversation, decided by Postgres even when two nodes race
create unique index calls_one_live on calls (conversation_id) where ended_at is null;

create table call_participants (
    call_id uuid not null references calls (id),
    user_id uuid not null references users (id),
    -- the socket that joined (its `connection_id`); signals are addressed to it
    connection_id uuid not null,
    joined_at timestamptz not null default now(),
    left_at timestamptz,
    primary key (call_id, connection_id)
);
-- a socket that closes (or whose node dies) leaves every call it is in
create index call_participants_live_connection on call_participants (connection_id) where left_at is null;
