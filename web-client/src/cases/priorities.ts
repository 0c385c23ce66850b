import type { CaseDto, Priority } from '../api/types';

export const PRIORITIES: readonly Priority[] = ['routine', 'urgent', 'emergency'];

const RANK: Record<Priority, number> = { emergency: 0, urgent: 1, routine: 2 };

/** The triage order: most urgent first, then the one waiting longest. */
export function byTriageOrder(a: CaseDto, b: CaseDto): number {
  return RANK[a.priority] - RANK[b.priority] || Date.parse(a.created_at) - Date.parse(b.created_at) || a.id.localeCompare(b.id);
}
