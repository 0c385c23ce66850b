-- Who belongs to each conversation, kept as a table instead of computed on
-- every read. Migration 2 made `conversation_members` a nine-way union view
-- over rosters, cases, consults and referrals; every websocket handshake,
-- send and access check evaluated it, and during a reconnect storm building
-- and running its plans was most of Postgres's CPU (docs/performance.md,
-- issue 17). The union stays, renamed `conversation_membership_sources`, as
-- the single definition of membership; the triggers below re-derive the rows
-- of exactly the conversations (and, for roster changes, the one user) a
-- write touches, in the writing transaction, so readers see the same answer
-- the view gave at every commit.
alter view conversation_members rename to conversation_membership_sources;

create table conversation_members (
    conversation_id uuid not null references conversations (id),
    user_id uuid not null references users (id),
    primary key (conversation_id, user_id)
);
-- "my conversations": the handshake, the conversation list, search
create index conversation_members_by_user on conversation_members (user_id, conversation_id);

insert into conversation_members (conversation_id, user_id)
select conversation_id, user_id from conversation_membership_sources;

-- Concurrency. Two transactions changing different sources of one
-- conversation's membership (a consultant added while the case's team gains
-- a member) would each derive it from a snapshot without the other's change.
-- Two locks, both transaction-scoped advisory locks taken in id order:
--  * one per conversation, around re-deriving it: under READ COMMITTED each
--    statement after the lock sees the commit of the transaction before;
--  * one per team, taken by every change whose effect depends on a team's
--    roster (the roster itself, and cases, consults, referrals and channels
--    of the team) *before* it works out which conversations it touches, so a
--    roster change cannot miss a consult thread created meanwhile, nor the
--    consult thread miss the new member.

create function lock_team_memberships(teams uuid[]) returns void language plpgsql as $$
declare
    team uuid;
begin
    foreach team in array (select coalesce(array_agg(distinct t order by t), '{}') from unnest(teams) t where t is not null)
    loop
        perform pg_advisory_xact_lock(hashtext('team-members:' || team::text));
    end loop;
end
$$;

-- Re-derives the members of `targets` (only `only_user`'s rows when given).
create function refresh_conversation_members(targets uuid[], only_user uuid default null)
returns void language plpgsql as $$
declare
    conversation uuid;
begin
    foreach conversation in array (select coalesce(array_agg(distinct c order by c), '{}') from unnest(targets) c where c is not null)
    loop
        perform pg_advisory_xact_lock(hashtext('conversation-members:' || conversation::text));
    end loop;
    with wanted as (
        select distinct s.conversation_id, s.user_id
        from conversation_membership_sources s
        where s.conversation_id = any(targets)
          and (only_user is null or s.user_id = only_user)
    ), gone as (
        delete from conversation_members m
        where m.conversation_id = any(targets)
          and (only_user is null or m.user_id = only_user)
          and not exists (select 1 from wanted w where w.conversation_id = m.conversation_id and w.user_id = m.user_id)
    )
    insert into conversation_members (conversation_id, user_id)
    select conversation_id, user_id from wanted
    on conflict do nothing;
end
$$;

-- Every conversation whose membership follows a team's roster.
create function conversations_following_team(team uuid) returns uuid[] language sql stable as $$
    select array(
        select c.id from conversations c where c.team_id = team and c.kind = 'team'
        union
        select cs.conversation_id from cases cs where cs.team_id = team
        union
        select co.conversation_id from consults co join cases cs on cs.id = co.case_id where cs.team_id = team
        union
        select r.conversation_id from referrals r where r.from_team_id = team or r.to_team_id = team
        union
        select cs.conversation_id from referrals r join cases cs on cs.id = r.target_case_id where r.from_team_id = team
    )
$$;

-- A case's discussion and its consults' threads.
create function conversations_of_case(one_case uuid) returns uuid[] language sql stable as $$
    select array(
        select cs.conversation_id from cases cs where cs.id = one_case
        union
        select co.conversation_id from consults co where co.case_id = one_case
    )
$$;

-- The triggers below read both `old` and `new`: on an insert `old` is null,
-- on a delete `new` is, and the two functions above skip null ids, so one
-- body serves every operation.

create function conversation_members_follow_roster() returns trigger language plpgsql as $$
begin
    perform lock_team_memberships(array[old.team_id, new.team_id]);
    perform refresh_conversation_members(conversations_following_team(old.team_id), old.user_id);
    perform refresh_conversation_members(conversations_following_team(new.team_id), new.user_id);
    return null;
end
$$;
create trigger conversation_members_follow_roster
    after insert or delete or update of team_id, user_id on team_members
    for each row execute function conversation_members_follow_roster();

create function conversation_members_follow_participants() returns trigger language plpgsql as $$
begin
    perform refresh_conversation_members(array[old.conversation_id, new.conversation_id]);
    return null;
end
$$;
create trigger conversation_members_follow_participants
    after insert or delete or update of conversation_id, user_id on conversation_participants
    for each row execute function conversation_members_follow_participants();

-- a team channel created after its roster, or a conversation moved to a team
create function conversation_members_follow_conversation() returns trigger language plpgsql as $$
begin
    perform lock_team_memberships(array[old.team_id, new.team_id]);
    perform refresh_conversation_members(array[new.id]);
    return null;
end
$$;
create trigger conversation_members_follow_conversation
    after insert or update of team_id, kind on conversations
    for each row execute function conversation_members_follow_conversation();

-- a case's team reaches its discussion and its consults' threads
create function conversation_members_follow_case() returns trigger language plpgsql as $$
begin
    perform lock_team_memberships(array[old.team_id, new.team_id]);
    perform refresh_conversation_members(conversations_of_case(new.id) || old.conversation_id);
    return null;
end
$$;
create trigger conversation_members_follow_case
    after insert or update of team_id, conversation_id on cases
    for each row execute function conversation_members_follow_case();

-- a consult's people reach its thread and, while it is live or finished, the
-- case's discussion; its case's team is in its thread
create function conversation_members_follow_consult() returns trigger language plpgsql as $$
begin
    perform lock_team_memberships(array(
        select cs.team_id from cases cs where cs.id in (old.case_id, new.case_id)));
    perform refresh_conversation_members(array[old.conversation_id, new.conversation_id] || array(
        select cs.conversation_id from cases cs where cs.id in (old.case_id, new.case_id)));
    return null;
end
$$;
create trigger conversation_members_follow_consult
    after insert or delete or update of status, case_id, requested_by, conversation_id on consults
    for each row execute function conversation_members_follow_consult();

create function conversation_members_follow_consultants() returns trigger language plpgsql as $$
begin
    perform lock_team_memberships(array(
        select cs.team_id from consults co join cases cs on cs.id = co.case_id
        where co.id in (old.consult_id, new.consult_id)));
    perform refresh_conversation_members(array(
        select x from consults co join cases cs on cs.id = co.case_id,
             lateral (values (co.conversation_id), (cs.conversation_id)) v(x)
        where co.id in (old.consult_id, new.consult_id)));
    return null;
end
$$;
create trigger conversation_members_follow_consultants
    after insert or delete or update of consult_id, user_id on consult_consultants
    for each row execute function conversation_members_follow_consultants();

-- a referral's teams reach its thread, and the referring team the case it created
create function conversation_members_follow_referral() returns trigger language plpgsql as $$
begin
    perform lock_team_memberships(array[old.from_team_id, old.to_team_id, new.from_team_id, new.to_team_id]
        || array(select cs.team_id from cases cs where cs.id in (old.target_case_id, new.target_case_id)));
    perform refresh_conversation_members(array[old.conversation_id, new.conversation_id]
        || array(select cs.conversation_id from cases cs where cs.id in (old.target_case_id, new.target_case_id)));
    return null;
end
$$;
create trigger conversation_members_follow_referral
    after insert or delete or update of conversation_id, target_case_id, from_team_id, to_team_id on referrals
    for each row execute function conversation_members_follow_referral();
