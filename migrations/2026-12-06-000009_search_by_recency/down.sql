create index messages_search_grams on messages using gin (search_grams(body)) where recalled_at is null;
drop index messages_search_keys;
drop function message_search_keys(text, timestamptz);
drop function search_week(timestamptz);
