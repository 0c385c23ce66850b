delete from notifications where kind = 'break_glass';
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind in (
    'assigned', 'mentioned', 'urgent_message', 'consult_requested', 'consult_answered',
    'referral_received', 'referral_updated', 'follow_up_due', 'follow_up_completed', 'escalation', 'call'));
drop table break_glass_grants;
drop table mfa_challenges;
drop table recovery_codes;
drop table user_totp;
