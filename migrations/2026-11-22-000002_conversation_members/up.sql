-- who belongs to each conversation, derived from rosters and participation, so a
-- roster or consult change moves access at once without copying member lists around.
create view conversation_members as
    -- team channel: the roster
    select c.id as conversation_id, m.user_id
    from conversations c
    join team_members m on m.team_id = c.team_id
    where c.kind = 'team'
    union
    -- direct conversations: their two participants
    select p.conversation_id, p.user_id
    from conversation_participants p
    union
    -- case discussion: the case's team
    select cs.conversation_id, m.user_id
    from cases cs
    join team_members m on m.team_id = cs.team_id
    union
    -- case discussion: consultants named on a live or finished consult of the case
    select cs.conversation_id, cc.user_id
    from cases cs
    join consults co on co.case_id = cs.id and co.status in ('requested', 'accepted', 'completed')
    join consult_consultants cc on cc.consult_id = co.id
    union
    -- case discussion of a referred-in case: the referring team
    select cs.conversation_id, m.user_id
    from referrals r
    join cases cs on cs.id = r.target_case_id
    join team_members m on m.team_id = r.from_team_id
    union
    -- consult thread: requester, consultants and the case's team
    select co.conversation_id, co.requested_by
    from consults co
    union
    select co.conversation_id, cc.user_id
    from consults co
    join consult_consultants cc on cc.consult_id = co.id
    union
    select co.conversation_id, m.user_id
    from consults co
    join cases cs on cs.id = co.case_id
    join team_members m on m.team_id = cs.team_id
    union
    -- referral thread: both teams
    select r.conversation_id, m.user_id
    from referrals r
    join team_members m on m.team_id = r.from_team_id or m.team_id = r.to_team_id;

