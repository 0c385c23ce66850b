-- Expert slots (号源, SPEC §10): a team publishes appointment places per
-- doctor; referrals book them. `booked` never exceeds `capacity`: a booking
-- is one conditional UPDATE, so two nodes racing for the last place cannot
-- both win.
create table slots (
    id uuid primary key,
    team_id uuid not null references teams (id),
    doctor_id uuid not null references users (id),
    starts_at timestamptz not null,
    duration_minutes integer not null check (duration_minutes between 5 and 480),
    capacity integer not null check (capacity between 1 and 200),
    booked integer not null default 0,
    -- places kept for patients referred from other teams (grassroots doctors)
    reserved_for_referrals boolean not null default false,
    created_by uuid not null references users (id),
    created_at timestamptz not null default now(),
    check (booked between 0 and capacity)
);
create index slots_team_starts on slots (team_id, starts_at);
create index slots_doctor_starts on slots (doctor_id, starts_at);

alter table referrals add column slot_id uuid references slots (id);
