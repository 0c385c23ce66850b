drop table attachments;
update messages set body = '[attachment]' where body = '';
alter table messages drop constraint messages_body_check;
alter table messages add constraint messages_body_check check (char_length(body) between 1 and 16000);
