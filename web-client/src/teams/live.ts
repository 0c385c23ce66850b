// "My teams" kept current from conversation events. A roster change or a new
// team channel needs the team as GET /teams has it (the events carry only
// ids), so those load the list again; a removed conversation is applied here.

import type { TeamDto } from '../api/types';

/**
 * My teams after `conversation_removed`: the team whose channel it was is no
 * longer mine (I left it, or it was archived); any other conversation (a case,
 * consult, referral or direct thread) leaves the list as it is.
 */
export function withoutTeamOfConversation(teams: TeamDto[], conversationId: string): TeamDto[] {
  return teams.some((t) => t.conversation_id === conversationId) ? teams.filter((t) => t.conversation_id !== conversationId) : teams;
}
