alter table referrals drop column slot_id;
drop table slots;
