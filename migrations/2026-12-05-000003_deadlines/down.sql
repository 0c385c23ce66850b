drop table escalation_timers;
alter table messages drop column ack_due_at;
alter table consults drop column due_at;
alter table cases drop column due_at;
drop table team_settings;
