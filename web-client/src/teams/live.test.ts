import { describe, expect, it } from 'vitest';
import type { TeamDto } from '../api/types';
import { withoutTeamOfConversation } from './live';

const team = (id: string): TeamDto => ({
  id,
  name: id,
  specialty: 'cardiology',
  institution: 'hospital',
  description: '',
  lead_id: 'lead',
  conversation_id: `channel-${id}`,
  member_count: 3,
  my_role: 'specialist',
  created_at: '2026-11-23T02:00:00Z',
});

describe('withoutTeamOfConversation', () => {
  const teams = [team('a'), team('b')];

  it('drops the team whose channel was removed', () => {
    expect(withoutTeamOfConversation(teams, 'channel-a').map((t) => t.id)).toEqual(['b']);
  });

  it('keeps the list as it is when another kind of conversation was removed', () => {
    expect(withoutTeamOfConversation(teams, 'case-thread-1')).toBe(teams);
  });
});
