alter table users drop column forward_to, drop column duty_until, drop column duty_status;
alter table conversation_reads drop column notify;
