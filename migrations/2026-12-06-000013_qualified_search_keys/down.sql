create or replace function message_search_keys(body text, created_at timestamptz) returns text[]
language sql immutable strict parallel safe as $$
    select search_grams(body) || search_week(created_at)
$$;
