// Follow-ups (随访, SPEC §10), the pure parts: where an item stands (open,
// overdue, done), the order lists show them in, the plan form's check, who may
// be assigned, and which live events change a case's list.

import type { FollowUpDto, NewFollowUp, UserDto } from '../api/types';
import type { ServerEvent } from '../generated/ServerEvent';
import { localInputToIso } from '../ui/format';

export type FollowUpState = 'open' | 'overdue' | 'done';

/** Done once its result is recorded; overdue when still open at or after its due time. */
export function followUpState(f: FollowUpDto, now: number): FollowUpState {
  if (f.status === 'done') return 'done';
  return Date.parse(f.due_at) <= now ? 'overdue' : 'open';
}

/** Open ones first, soonest due first (overdue ones lead); then done ones, latest recorded first. */
export function byFollowUpOrder(a: FollowUpDto, b: FollowUpDto): number {
  const doneA = a.status === 'done';
  const doneB = b.status === 'done';
  if (doneA !== doneB) return doneA ? 1 : -1;
  if (!doneA) return Date.parse(a.due_at) - Date.parse(b.due_at) || a.id.localeCompare(b.id);
  return Date.parse(b.completed_at ?? b.due_at) - Date.parse(a.completed_at ?? a.due_at) || a.id.localeCompare(b.id);
}

/** `list` with `changed` put in (replacing the same ids), in follow-up order. */
export function upsertFollowUps(list: readonly FollowUpDto[], changed: readonly FollowUpDto[]): FollowUpDto[] {
  const ids = new Set(changed.map((f) => f.id));
  return [...list.filter((f) => !ids.has(f.id)), ...changed].sort(byFollowUpOrder);
}

/** The server takes 1 to 20 items per plan (`follow_up_count`). */
export const MAX_FOLLOW_UP_ITEMS = 20;

/** One item of the plan form, as typed. */
export interface FollowUpRow {
  key: string;
  title: string;
  instructions: string;
  /** A `datetime-local` value. */
  due: string;
  /** A user id, '' until chosen. */
  assignee: string;
}

export type FollowUpProblem = 'title' | 'due' | 'due_past' | 'assignee';

export interface CheckedFollowUps {
  items: NewFollowUp[];
  /** Problems by row key; empty when the plan may be sent. */
  problems: ReadonlyMap<string, readonly FollowUpProblem[]>;
}

/** The plan's rows as the request's items, or what to fix first: a title, a due time in the future, an assignee. */
export function checkFollowUps(rows: readonly FollowUpRow[], now: number): CheckedFollowUps {
  const items: NewFollowUp[] = [];
  const problems = new Map<string, FollowUpProblem[]>();
  for (const row of rows) {
    const wrong: FollowUpProblem[] = [];
    const title = row.title.trim();
    const due = localInputToIso(row.due);
    if (title === '') wrong.push('title');
    if (due === undefined) wrong.push('due');
    else if (Date.parse(due) <= now) wrong.push('due_past');
    if (row.assignee === '') wrong.push('assignee');
    if (wrong.length > 0) {
      problems.set(row.key, wrong);
      continue;
    }
    const instructions = row.instructions.trim();
    items.push({ title, ...(instructions === '' ? {} : { instructions }), due_at: due!, assignee_id: row.assignee });
  }
  return { items, problems };
}

let nextKey = 0;

/** An empty item with a key of its own. */
export function emptyFollowUpRow(assignee = ''): FollowUpRow {
  nextKey += 1;
  return { key: `fu-${nextKey}`, title: '', instructions: '', due: '', assignee };
}

/** Someone a follow-up may be assigned to, with the teams they are in (of the case's teams). */
export interface Candidate {
  user: UserDto;
  teams: string[];
}

/**
 * Who may be assigned: the active members of the case's team and of the
 * teams it was referred to or from, each once (with every team named), by name.
 */
export function mergeCandidates(groups: readonly { team: string; users: readonly UserDto[] }[], collator = new Intl.Collator('zh-CN')): Candidate[] {
  const byId = new Map<string, Candidate>();
  for (const { team, users } of groups) {
    for (const user of users) {
      if (!user.active) continue;
      const known = byId.get(user.id);
      if (known === undefined) byId.set(user.id, { user, teams: [team] });
      else if (!known.teams.includes(team)) known.teams.push(team);
    }
  }
  return [...byId.values()].sort((a, b) => collator.compare(a.user.display_name, b.user.display_name) || a.user.id.localeCompare(b.user.id));
}

/** Whether a live event may have changed the follow-ups of case `caseId` (a follow-up came due or was done). */
export function affectsCaseFollowUps(event: ServerEvent, caseId: string): boolean {
  return (
    event.type === 'notification' &&
    (event.notification.kind === 'follow_up_due' || event.notification.kind === 'follow_up_completed') &&
    event.notification.link.case_id === caseId
  );
}
