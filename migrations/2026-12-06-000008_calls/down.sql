drop table call_participants;
drop table calls;
