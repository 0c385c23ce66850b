-- SPEC §8: timeline entries, edit history, reactions, and a search index
-- that understands Chinese.

-- A system message (a workflow's timeline entry) carries what happened as
-- JSON; its kind is derived from this column (null: written by a person).
alter table messages add column system jsonb;

-- Every earlier text of an edited message, oldest first: version 1 is the
-- text as sent. The current text stays in messages.body.
create table message_versions (
    message_id uuid not null references messages (id),
    version int not null check (version >= 1),
    body text not null,
    written_at timestamptz not null,
    editor_id uuid not null references users (id),
    primary key (message_id, version)
);

create table message_reactions (
    message_id uuid not null references messages (id),
    emoji text not null check (char_length(emoji) between 1 and 16),
    user_id uuid not null references users (id),
    at timestamptz not null default now(),
    primary key (message_id, emoji, user_id)
);

-- Search grams: pg_trgm ignores CJK characters under the C locale and
-- cannot tell words apart in Chinese anyway, so we index what a substring
-- search needs: every CJK character and every pair of neighbouring ones
-- (a query of n ≥ 2 CJK characters needs all its n-1 pairs), and the
-- trigrams of Latin/digit words of three characters or more. The query
-- side uses the same function; a query whose grams all occur is then
-- checked as an exact (case-insensitive) substring, so grams only narrow
-- and never decide. IMMUTABLE so it can back an expression index.
create function search_grams(t text) returns text[]
language sql immutable strict parallel safe as $$
    -- unnest + lead(): linear in the text. (substr() walks a UTF-8 string
    -- from its start and an array subscript copies the array, both of which
    -- made a 15,000-character message cost seconds.)
    select coalesce(array_agg(distinct g), '{}')
    from (
        select unnest(array[x.ch, x.ch || x.nxt]) as g
        from (select u.ch, lead(u.ch) over (partition by r.n order by u.i) as nxt
              from regexp_matches(t, '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+', 'g') with ordinality as r(m, n),
                   unnest(string_to_array(r.m[1], null)) with ordinality as u(ch, i)) x
        union all
        select y.ch || y.n1 || y.n2
        from (select u.ch, lead(u.ch, 1) over w as n1, lead(u.ch, 2) over w as n2
              from regexp_matches(lower(t), '[a-z0-9\u00c0-\u024f]{3,}', 'g') with ordinality as r(m, n),
                   unnest(string_to_array(r.m[1], null)) with ordinality as u(ch, i)
              window w as (partition by r.n order by u.i)) y
    ) grams
    where g is not null
$$;

drop index messages_body_trgm;
-- recalled messages are never found, so they need no entry
create index messages_search_grams on messages using gin (search_grams(body)) where recalled_at is null;
create index messages_conversation_created on messages (conversation_id, created_at desc, id desc);

drop index cases_title_trgm;
create index cases_search_grams on cases using gin (search_grams(title || ' ' || summary));

-- Who a message's `@names` reach: members of the conversation named by
-- username, and the group mentions `@team` (the roster of the team the
-- conversation belongs to — a consult thread belongs to its case's team)
-- and `@oncall` (those of them on duty). Deactivated users are never
-- mentioned. One definition for sends and edits.
create function resolve_mentions(conversation uuid, names text[]) returns uuid[]
language sql stable parallel safe as $$
    with team as (
        select coalesce(
            (select cs.team_id from consults k join cases cs on cs.id = k.case_id where k.conversation_id = conversation),
            (select c.team_id from conversations c where c.id = conversation)) as id
    )
    select coalesce(array_agg(distinct u.id), '{}')
    from users u
    join conversation_members m on m.conversation_id = conversation and m.user_id = u.id
    where u.active
      and (u.username = any(names)
           or (('team' = any(names) or 'oncall' = any(names))
               and exists (select 1 from team_members tm, team where tm.team_id = team.id and tm.user_id = u.id)
               and ('team' = any(names)
                    or u.duty_status = 'on_duty'
                    -- an off-duty spell that has run out is duty again
                    or u.duty_until <= now())))
$$;
