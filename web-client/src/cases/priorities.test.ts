import { describe, expect, it } from 'vitest';
import type { CaseDto, Priority } from '../api/types';
import { byTriageOrder } from './priorities';

const kase = (id: string, priority: Priority, created_at: string): CaseDto => ({
  id,
  team_id: 't',
  patient: { id: `p-${id}`, name: id, sex: 'unknown' },
  title: id,
  summary: '',
  status: 'triage',
  priority,
  source: 'intake',
  created_by: 'u',
  conversation_id: `c-${id}`,
  created_at,
  updated_at: created_at,
});

describe('triage order', () => {
  it('puts the most urgent first, then whoever has waited longest', () => {
    const queue = [
      kase('routine-old', 'routine', '2026-11-23T01:00:00Z'),
      kase('urgent-new', 'urgent', '2026-11-23T03:00:00Z'),
      kase('emergency', 'emergency', '2026-11-23T04:00:00Z'),
      kase('urgent-old', 'urgent', '2026-11-23T02:00:00Z'),
    ];
    expect(queue.sort(byTriageOrder).map((c) => c.id)).toEqual(['emergency', 'urgent-old', 'urgent-new', 'routine-old']);
  });
});
