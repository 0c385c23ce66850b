-- pg_restore runs with an empty search_path, and rebuilding the search index
-- calls message_search_keys, whose body named its helpers unqualified, so a
-- backup could not be restored. Naming their schema keeps the function
-- inlinable (a `set search_path` clause would not) and its results the same.
create or replace function message_search_keys(body text, created_at timestamptz) returns text[]
language sql immutable strict parallel safe as $$
    select public.search_grams(body) || public.search_week(created_at)
$$;
