drop table message_acks;
alter table messages drop column ack_count, drop column ack_required, drop column priority;
