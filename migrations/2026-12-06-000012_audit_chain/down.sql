drop trigger audit_events_chain on audit_events;
drop function audit_events_link();
drop trigger audit_events_no_update on audit_events;
drop function audit_events_append_only_rows();
create trigger audit_events_no_update before update or delete on audit_events
    for each statement execute function audit_events_append_only();
drop function audit_event_digest(bytea, audit_events);
alter table audit_events drop column chain_seq, drop column prev_hash, drop column hash;
drop table audit_chain;
drop trigger audit_events_no_truncate on audit_events;
