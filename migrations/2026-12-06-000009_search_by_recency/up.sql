-- Search newest first without reading every match (issue 13's benchmark):
-- a common word ("患者") matches one message in twenty, and fetching all of
-- them from the heap to keep the newest twenty cost seconds over a million
-- messages. Each message's index entry now also holds the week it was
-- written in, so a search asks first for matches in the latest weeks only
-- (one GIN scan with both conditions) and widens the window only when that
-- finds too few.

-- `w:<weeks since 1970>`. extract(epoch …) of a timestamptz does not depend
-- on the session's time zone, so the function is immutable in fact (the
-- built-in is only marked stable because other fields do depend on it).
create or replace function search_week(t timestamptz) returns text
language sql immutable strict parallel safe as $$
    select 'w:' || floor(extract(epoch from t) / 604800)::bigint
$$;

create or replace function message_search_keys(body text, created_at timestamptz) returns text[]
language sql immutable strict parallel safe as $$
    select search_grams(body) || search_week(created_at)
$$;

-- Recalled messages are never found, so they need no entry. Building it
-- blocks writes to messages (about 4 minutes per million messages on a
-- small machine); a large installation creates it beforehand with
-- `create index concurrently` (README, Operations: "Large installations"), and then this
-- finds it in place.
create index if not exists messages_search_keys on messages using gin (message_search_keys(body, created_at))
    where recalled_at is null;
drop index if exists messages_search_grams;
