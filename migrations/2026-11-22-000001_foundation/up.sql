-- the whole domain of spec section 2 in one go, so later work adds columns, not redesigns.

-- trigram indexes let substring search work for chinese text, which has no word breaks
-- for the 'simple' text-search parser to split on.
create extension if not exists pg_trgm;

-- one shared trigger keeps updated_at honest on every table that has it.
create or replace function set_updated_at() returns trigger as $$
begin
    new.updated_at := now();
    return new;
end;
$$ language plpgsql;

create table users (
    id uuid primary key,
    username text not null unique check (username ~ '^[a-z0-9_.-]{3,32}$'),
    display_name text not null check (char_length(display_name) between 1 and 100),
    -- argon2id phc string; never leaves the server
    password_hash text not null,
    role text not null check (role in ('admin', 'user')),
    title text not null default '',
    institution text not null default '',
    care_level text not null check (care_level in ('tertiary', 'secondary', 'primary', 'village')),
    specialties text[] not null default '{}',
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger users_updated_at before update on users for each row execute function set_updated_at();

-- a session is one refresh-token chain; access tokens carry its id, so revoking the
-- session (logout, password change, token reuse, deactivation) cuts them off at once.
create table sessions (
    id uuid primary key,
    user_id uuid not null references users (id),
    created_at timestamptz not null default now(),
    last_used_at timestamptz not null default now(),
    revoked_at timestamptz,
    -- why: logout, password_changed, refresh_reuse, deactivated, password_reset
    revoked_reason text,
    user_agent text,
    ip text
);
create index sessions_user on sessions (user_id) where revoked_at is null;

create table refresh_tokens (
    -- sha-256 of the opaque token: a database leak does not leak usable tokens
    token_hash bytea primary key,
    session_id uuid not null references sessions (id) on delete cascade,
    issued_at timestamptz not null default now(),
    expires_at timestamptz not null,
    -- set when the token is exchanged; presenting it again means it was stolen
    used_at timestamptz
);
create index refresh_tokens_session on refresh_tokens (session_id);

create table teams (
    id uuid primary key,
    name text not null check (char_length(name) between 1 and 200),
    specialty text not null,
    institution text not null default '',
    description text not null default '',
    archived_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger teams_updated_at before update on teams for each row execute function set_updated_at();

create table team_members (
    team_id uuid not null references teams (id),
    user_id uuid not null references users (id),
    role text not null check (role in ('lead', 'specialist', 'grassroots', 'assistant')),
    joined_at timestamptz not null default now(),
    primary key (team_id, user_id)
);
create index team_members_user on team_members (user_id);
-- at most one lead per team; the application keeps it at exactly one
create unique index team_members_one_lead on team_members (team_id) where role = 'lead';

create table conversations (
    id uuid primary key,
    kind text not null check (kind in ('team', 'case', 'consult', 'referral', 'direct')),
    title text not null default '',
    -- the team whose channel this is (kind team) or whose case/consult/referral it belongs to
    team_id uuid references teams (id),
    -- "<lower user id>:<higher user id>" for direct conversations, so each pair has one
    direct_key text unique,
    -- the seq of the newest message; bumped under a row lock so seqs are gapless in commit order
    last_seq bigint not null default 0,
    last_message_at timestamptz,
    created_at timestamptz not null default now(),
    check ((kind = 'direct') = (direct_key is not null)),
    check (kind = 'direct' or team_id is not null)
);
create unique index conversations_one_team_channel on conversations (team_id) where kind = 'team';

-- explicit participants; used by direct conversations, whose membership is not derived
create table conversation_participants (
    conversation_id uuid not null references conversations (id),
    user_id uuid not null references users (id),
    added_at timestamptz not null default now(),
    primary key (conversation_id, user_id)
);
create index conversation_participants_user on conversation_participants (user_id);

create table conversation_reads (
    conversation_id uuid not null references conversations (id),
    user_id uuid not null references users (id),
    last_read_seq bigint not null default 0,
    updated_at timestamptz not null default now(),
    primary key (conversation_id, user_id)
);
create index conversation_reads_user on conversation_reads (user_id);

create table messages (
    id uuid primary key,
    conversation_id uuid not null references conversations (id),
    seq bigint not null check (seq >= 1),
    sender_id uuid not null references users (id),
    -- chosen by the client; a resend with the same id returns the original ack
    client_msg_id text not null check (char_length(client_msg_id) between 1 and 100),
    -- markdown; kept after a recall for the audit trail, never shown to readers again
    body text not null check (char_length(body) between 1 and 16000),
    reply_to_seq bigint,
    mentions uuid[] not null default '{}',
    created_at timestamptz not null default now(),
    edited_at timestamptz,
    recalled_at timestamptz,
    unique (conversation_id, seq),
    unique (sender_id, client_msg_id)
);
create index messages_body_trgm on messages using gin (body gin_trgm_ops);

create table patients (
    id uuid primary key,
    name text not null check (char_length(name) between 1 and 100),
    sex text not null check (sex in ('male', 'female', 'other', 'unknown')),
    birth_date date,
    -- the hospital's own record number, when known
    external_id text,
    created_by uuid references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger patients_updated_at before update on patients for each row execute function set_updated_at();

create table cases (
    id uuid primary key,
    team_id uuid not null references teams (id),
    patient_id uuid not null references patients (id),
    title text not null check (char_length(title) between 1 and 200),
    summary text not null default '',
    status text not null check (status in ('triage', 'open', 'closed')),
    priority text not null check (priority in ('routine', 'urgent', 'emergency')),
    assignee_id uuid references users (id),
    source text not null check (source in ('direct', 'intake', 'referral')),
    created_by uuid not null references users (id),
    conversation_id uuid not null unique references conversations (id),
    -- why triage declined it, when it did (the case is then closed)
    decline_reason text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger cases_updated_at before update on cases for each row execute function set_updated_at();
create index cases_team_status on cases (team_id, status, created_at);
create index cases_assignee on cases (assignee_id) where assignee_id is not null;
create index cases_created_by on cases (created_by);
create index cases_title_trgm on cases using gin ((title || ' ' || summary) gin_trgm_ops);

create table consults (
    id uuid primary key,
    case_id uuid not null references cases (id),
    requested_by uuid not null references users (id),
    question text not null check (char_length(question) between 1 and 4000),
    urgency text not null check (urgency in ('routine', 'urgent', 'emergency')),
    status text not null check (status in ('requested', 'accepted', 'completed', 'declined', 'cancelled')),
    -- structured opinion {assessment, recommendation} once completed
    opinion jsonb,
    decline_reason text,
    conversation_id uuid not null unique references conversations (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger consults_updated_at before update on consults for each row execute function set_updated_at();
create index consults_case on consults (case_id);
create index consults_requested_by on consults (requested_by);

create table consult_consultants (
    consult_id uuid not null references consults (id),
    user_id uuid not null references users (id),
    primary key (consult_id, user_id)
);
create index consult_consultants_user on consult_consultants (user_id);

create table referrals (
    id uuid primary key,
    case_id uuid not null references cases (id),
    from_team_id uuid not null references teams (id),
    to_team_id uuid not null references teams (id),
    direction text not null check (direction in ('up', 'down')),
    reason text not null check (char_length(reason) between 1 and 4000),
    status text not null check (status in ('pending', 'accepted', 'declined', 'completed', 'cancelled')),
    -- the case created in the receiving team's triage queue
    target_case_id uuid not null unique references cases (id),
    appointment_at timestamptz,
    outcome text,
    decline_reason text,
    created_by uuid not null references users (id),
    conversation_id uuid not null unique references conversations (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (from_team_id <> to_team_id)
);
create trigger referrals_updated_at before update on referrals for each row execute function set_updated_at();
create index referrals_case on referrals (case_id);
create index referrals_from_team on referrals (from_team_id, status);
create index referrals_to_team on referrals (to_team_id, status);

create table audit_events (
    id bigserial primary key,
    at timestamptz not null default now(),
    -- null for anonymous actions, such as a failed login with an unknown username
    actor_id uuid references users (id),
    action text not null,
    target_type text not null,
    target_id text,
    detail jsonb not null default '{}',
    ip text
);
create index audit_events_actor on audit_events (actor_id, id);
create index audit_events_target on audit_events (target_type, target_id, id);
-- login throttling counts recent failures by username and by address
create index audit_events_failed_login_user on audit_events ((detail ->> 'username'), at) where action = 'login_failed';
create index audit_events_failed_login_ip on audit_events (ip, at) where action = 'login_failed';

-- the audit trail is append-only: refuse updates and deletes outright
create or replace function audit_events_append_only() returns trigger as $$
begin
    raise exception 'audit_events is append-only';
end;
$$ language plpgsql;
create trigger audit_events_no_update before update or delete on audit_events
    for each statement execute function audit_events_append_only();
