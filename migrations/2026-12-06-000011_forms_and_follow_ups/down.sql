delete from notifications where kind = 'follow_up_completed';
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind in (
    'assigned', 'mentioned', 'urgent_message', 'consult_requested', 'consult_answered',
    'referral_received', 'referral_updated', 'follow_up_due', 'escalation', 'call'));
delete from escalation_timers where subject_kind = 'follow_up';
alter table escalation_timers drop constraint escalation_timers_level_check;
alter table escalation_timers add constraint escalation_timers_level_check check (level between 1 and 2);
alter table escalation_timers drop constraint escalation_timers_subject_kind_check;
alter table escalation_timers add constraint escalation_timers_subject_kind_check
    check (subject_kind in ('case', 'consult', 'message'));
drop table follow_ups;
alter table consults drop column summary, drop column diagnoses;
drop table referral_forms;
