// The signed-in user's teams (with their role in each), kept current: a
// roster change or a new team channel reloads the list (their events carry
// only ids), so a member an admin just added sees the team appear without
// reloading the page; a removed team channel takes its team out (live.ts).
//
// Shared by the feature folders (cases/, triage/, referrals/) and the shell.

import { createContext, useContext, useEffect, type ReactNode } from 'react';
import type { TeamDto, TeamRole } from '../api/types';
import { useRealtime, useRealtimeEvent } from '../realtime/context';
import { rest } from '../session';
import { useAsync } from '../ui/useAsync';
import { withoutTeamOfConversation } from './live';

interface TeamsValue {
  teams: readonly TeamDto[];
  loaded: boolean;
  reload: () => void;
}

const TeamsContext = createContext<TeamsValue>({ teams: [], loaded: false, reload: () => {} });

export function TeamsProvider({ children }: { children: ReactNode }) {
  const epoch = useRealtime((s) => s.epoch);
  const { data, reload, apply } = useAsync(() => rest.myTeams(), []);
  useEffect(() => {
    if (epoch > 1) reload();
  }, [epoch, reload]);
  useRealtimeEvent((e) => {
    if (e.type === 'roster_changed' || (e.type === 'conversation_added' && e.conversation.kind === 'team')) reload();
    if (e.type === 'conversation_removed') apply((mine) => withoutTeamOfConversation(mine, e.conversation_id));
  });
  // Admins get every team from GET /teams; "my teams" are the active ones I belong to.
  const teams = (data ?? []).filter((t) => t.archived_at === undefined && t.my_role !== undefined);
  return <TeamsContext.Provider value={{ teams, loaded: data !== undefined, reload }}>{children}</TeamsContext.Provider>;
}

export function useTeams(): TeamsValue {
  return useContext(TeamsContext);
}

/** Teams where I may triage (assistant or lead). */
export function triageTeams(teams: readonly TeamDto[]): TeamDto[] {
  return teams.filter((t) => t.archived_at === undefined && (t.my_role === 'assistant' || t.my_role === 'lead'));
}

export function hasRole(team: TeamDto | undefined, ...roles: TeamRole[]): boolean {
  return team?.my_role !== undefined && roles.includes(team.my_role);
}
