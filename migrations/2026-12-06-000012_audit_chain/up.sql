-- Tamper-evident audit (SPEC §11). Each audit row carries
-- hash = SHA-256(previous row's hash || the row's content), in one chain
-- across every node: the chain's head is one row, locked while a row is
-- linked. The linking runs as a deferred constraint trigger, at commit, when
-- the transaction takes no other lock, so chaining can never deadlock with
-- the change being audited, and the lock is held only for the commit. A row
-- rolled back never reaches the chain.

-- Also refuse TRUNCATE, which the row triggers do not see.
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only();

create table audit_chain (
    id integer primary key check (id = 1),
    seq bigint not null,
    hash bytea not null
);
insert into audit_chain (id, seq, hash) values (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

alter table audit_events
    add column chain_seq bigint unique,
    add column prev_hash bytea,
    add column hash bytea;

-- The content a row's hash covers, spelled the same on every server: time in
-- UTC to the microsecond, jsonb in its canonical text form.
create function audit_event_digest(prev bytea, e audit_events) returns bytea
language sql immutable as $$
    select sha256(prev || convert_to(concat_ws(chr(31),
        e.id::text,
        to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(e.actor_id::text, ''),
        e.action,
        e.target_type,
        coalesce(e.target_id, ''),
        e.detail::text,
        coalesce(e.ip, '')), 'UTF8'))
$$;

-- Rows are append-only, except that the chain columns are set once.
drop trigger audit_events_no_update on audit_events;
create or replace function audit_events_append_only_rows() returns trigger as $$
begin
    if tg_op = 'UPDATE' and old.hash is null and new.hash is not null
        and (new.id, new.at, new.actor_id, new.action, new.target_type, new.target_id, new.detail, new.ip)
            is not distinct from
            (old.id, old.at, old.actor_id, old.action, old.target_type, old.target_id, old.detail, old.ip)
    then
        return new;
    end if;
    raise exception 'audit_events is append-only';
end;
$$ language plpgsql;
create trigger audit_events_no_update before update or delete on audit_events
    for each row execute function audit_events_append_only_rows();

create function audit_events_link() returns trigger as $$
declare
    head audit_chain;
    linked bytea;
begin
    select * into head from audit_chain where id = 1 for update;
    linked := audit_event_digest(head.hash, new);
    update audit_events set chain_seq = head.seq + 1, prev_hash = head.hash, hash = linked where id = new.id;
    update audit_chain set seq = head.seq + 1, hash = linked where id = 1;
    return null;
end;
$$ language plpgsql;

-- the rows already written, in the order they were written
do $$
declare
    r audit_events;
    head audit_chain;
begin
    for r in select * from audit_events order by id loop
        select * into head from audit_chain where id = 1;
        update audit_events
            set chain_seq = head.seq + 1, prev_hash = head.hash, hash = audit_event_digest(head.hash, r)
            where id = r.id;
        update audit_chain set seq = head.seq + 1, hash = audit_event_digest(head.hash, r) where id = 1;
    end loop;
end;
$$;

create constraint trigger audit_events_chain after insert on audit_events
    deferrable initially deferred
    for each row execute function audit_events_link();
