-- Webhooks (SPEC §7): subscriptions and their delivery log. Deliveries are
-- queued in the transaction (or right after the commit) of what they
-- report and sent by whichever node takes them (FOR UPDATE SKIP LOCKED with
-- a lease), retried with backoff until a 2xx: at least once, deduped by id.
create table webhooks (
    id uuid primary key,
    url text not null,
    events text[] not null,
    secret text not null,
    created_by uuid not null references users(id),
    created_at timestamptz not null default now(),
    deleted_at timestamptz
);

create table webhook_deliveries (
    id uuid primary key,
    webhook_id uuid not null references webhooks(id),
    event text not null check (event in ('escalation', 'urgent_message', 'referral_received')),
    payload jsonb not null,
    created_at timestamptz not null default now(),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    delivered_at timestamptz,
    last_status integer,
    last_error text
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where delivered_at is null;
create index webhook_deliveries_by_hook on webhook_deliveries (webhook_id, created_at desc);
