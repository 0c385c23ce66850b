-- SPEC §11: two-factor sign-in (TOTP, RFC 6238) and break-glass access.

-- One authenticator per user. The secret is sealed with AES-256-GCM under
-- DATA_ENCRYPTION_KEY (bound to the user id), so a copy of the database alone
-- cannot mint codes. confirmed_at stays null until the user proves the app
-- works; only then is the second factor asked at sign-in. last_used_step
-- refuses a code's replay within its 30-second window.
create table user_totp (
    user_id uuid primary key references users(id) on delete cascade,
    secret_sealed bytea not null,
    confirmed_at timestamptz,
    last_used_step bigint not null default 0,
    created_at timestamptz not null default now()
);

-- Single-use codes for a lost phone, stored as SHA-256 digests (they carry
-- 50 random bits each, so a fast digest is enough).
create table recovery_codes (
    user_id uuid not null references users(id) on delete cascade,
    code_hash bytea not null,
    used_at timestamptz,
    primary key (user_id, code_hash)
);

-- A password accepted, waiting for its second factor: a short-lived,
-- single-use token (stored hashed) that sees at most a few wrong codes.
create table mfa_challenges (
    token_hash bytea primary key,
    user_id uuid not null references users(id) on delete cascade,
    expires_at timestamptz not null,
    failed_attempts int not null default 0,
    used_at timestamptz,
    created_at timestamptz not null default now()
);
create index mfa_challenges_expiry on mfa_challenges (expires_at);

-- Emergency read access to a case outside the doctor's reach: who, why,
-- until when. Rows are kept (the record of who looked is the point).
create table break_glass_grants (
    id uuid primary key,
    case_id uuid not null references cases(id),
    user_id uuid not null references users(id),
    reason text not null check (char_length(reason) between 5 and 1000),
    started_at timestamptz not null default now(),
    expires_at timestamptz not null check (expires_at > started_at)
);
create index break_glass_grants_by_user on break_glass_grants (user_id, case_id, expires_at);
create index break_glass_grants_by_case on break_glass_grants (case_id, started_at desc);

alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind in (
    'assigned', 'mentioned', 'urgent_message', 'consult_requested', 'consult_answered',
    'referral_received', 'referral_updated', 'follow_up_due', 'follow_up_completed', 'escalation', 'call',
    'break_glass'));
