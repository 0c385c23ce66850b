import { describe, expect, it } from 'vitest';
import type { FollowUpDto, NotificationDto, UserDto } from '../api/types';
import {
  affectsCaseFollowUps,
  byFollowUpOrder,
  checkFollowUps,
  emptyFollowUpRow,
  followUpState,
  mergeCandidates,
  upsertFollowUps,
  type FollowUpRow,
} from './followUps';

const NOW = Date.parse('2026-12-06T08:00:00Z');

const followUp = (id: string, due: string, extra: Partial<FollowUpDto> = {}): FollowUpDto => ({
  id,
  case_id: 'case-1',
  patient_name: '赵建华',
  case_title: '阵发性心房颤动',
  title: `复查心电图 ${id}`,
  instructions: '',
  due_at: due,
  assignee_id: 'u-yang',
  created_by: 'u-li',
  status: 'open',
  created_at: '2026-12-01T00:00:00Z',
  ...extra,
});

const user = (id: string, name: string, active = true) => ({ id, display_name: name, active }) as UserDto;

describe('followUpState', () => {
  it('is open before its due time, overdue from it on, done once recorded', () => {
    expect(followUpState(followUp('a', '2026-12-06T08:00:01Z'), NOW)).toBe('open');
    expect(followUpState(followUp('a', '2026-12-06T08:00:00Z'), NOW)).toBe('overdue');
    expect(followUpState(followUp('a', '2026-12-01T00:00:00Z'), NOW)).toBe('overdue');
    expect(followUpState(followUp('a', '2026-12-01T00:00:00Z', { status: 'done', result: '心率72次/分' }), NOW)).toBe('done');
  });
});

describe('follow-up order', () => {
  it('lists open ones soonest first, then done ones latest first', () => {
    const list = [
      followUp('done-old', '2026-12-02T00:00:00Z', { status: 'done', completed_at: '2026-12-02T09:00:00Z' }),
      followUp('later', '2026-12-20T00:00:00Z'),
      followUp('done-new', '2026-12-03T00:00:00Z', { status: 'done', completed_at: '2026-12-05T09:00:00Z' }),
      followUp('overdue', '2026-12-04T00:00:00Z'),
      followUp('soon', '2026-12-07T00:00:00Z'),
    ];
    expect([...list].sort(byFollowUpOrder).map((f) => f.id)).toEqual(['overdue', 'soon', 'later', 'done-new', 'done-old']);
  });

  it('replaces a changed item in place of the old one and keeps the order', () => {
    const list = [followUp('a', '2026-12-07T00:00:00Z'), followUp('b', '2026-12-08T00:00:00Z')];
    const done = followUp('a', '2026-12-07T00:00:00Z', { status: 'done', result: '无不适', completed_at: '2026-12-06T07:00:00Z' });
    expect(upsertFollowUps(list, [done]).map((f) => [f.id, f.status])).toEqual([
      ['b', 'open'],
      ['a', 'done'],
    ]);
    expect(upsertFollowUps(list, [followUp('c', '2026-12-06T12:00:00Z')]).map((f) => f.id)).toEqual(['c', 'a', 'b']);
  });
});

describe('checkFollowUps', () => {
  const row = (extra: Partial<FollowUpRow>): FollowUpRow => ({ ...emptyFollowUpRow(), ...extra });

  it('sends complete items with the due time in UTC and without blank instructions', () => {
    const due = new Date(NOW + 3 * 86_400_000);
    const local = `${due.getFullYear()}-${String(due.getMonth() + 1).padStart(2, '0')}-${String(due.getDate()).padStart(2, '0')}T09:30`;
    const checked = checkFollowUps(
      [
        row({ title: ' 复查心电图 ', instructions: '  ', due: local, assignee: 'u-yang' }),
        row({ title: '复查血常规', instructions: '空腹', due: local, assignee: 'u-yang' }),
      ],
      NOW,
    );
    expect(checked.problems.size).toBe(0);
    expect(checked.items).toEqual([
      { title: '复查心电图', due_at: new Date(local).toISOString(), assignee_id: 'u-yang' },
      { title: '复查血常规', instructions: '空腹', due_at: new Date(local).toISOString(), assignee_id: 'u-yang' },
    ]);
  });

  it('names what each item lacks: a title, a due time (in the future), an assignee', () => {
    const a = row({});
    const b = row({ title: '复查', due: '2020-01-01T09:00', assignee: 'u' });
    const checked = checkFollowUps([a, b], NOW);
    expect(checked.items).toEqual([]);
    expect(checked.problems.get(a.key)).toEqual(['title', 'due', 'assignee']);
    expect(checked.problems.get(b.key)).toEqual(['due_past']);
  });
});

describe('mergeCandidates', () => {
  it('lists each active member once, with every team they are in, by name', () => {
    const merged = mergeCandidates([
      { team: '心内科', users: [user('u-li', '李晓红'), user('u-chen', '陈明'), user('u-old', '离职医生', false)] },
      { team: '内分泌科', users: [user('u-yang', '杨帆'), user('u-chen', '陈明')] },
    ]);
    expect(merged.map((c) => [c.user.display_name, c.teams])).toEqual([
      ['陈明', ['心内科', '内分泌科']],
      ['李晓红', ['心内科']],
      ['杨帆', ['内分泌科']],
    ]);
  });
});

describe('affectsCaseFollowUps', () => {
  const note = (kind: NotificationDto['kind'], caseId: string) =>
    ({ type: 'notification', notification: { id: 'n', kind, title: '', body: '', link: { case_id: caseId, follow_up_id: 'f' }, created_at: '' } }) as const;

  it('reloads a case page when one of its follow-ups came due or was done', () => {
    expect(affectsCaseFollowUps(note('follow_up_completed', 'case-1'), 'case-1')).toBe(true);
    expect(affectsCaseFollowUps(note('follow_up_due', 'case-1'), 'case-1')).toBe(true);
    expect(affectsCaseFollowUps(note('follow_up_completed', 'case-2'), 'case-1')).toBe(false);
    expect(affectsCaseFollowUps(note('assigned', 'case-1'), 'case-1')).toBe(false);
    expect(affectsCaseFollowUps({ type: 'pong' } as never, 'case-1')).toBe(false);
  });
});
