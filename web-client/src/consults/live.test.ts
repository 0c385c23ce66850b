import { describe, expect, it } from 'vitest';
import type { ConsultDto } from '../api/types';
import { applyConsultToBox, applyConsultToCase, inConsultBox } from './live';

const ME = 'user-me';
const PEER = 'user-peer';
const CASE = 'case-1';

const consult = (id: string, minute: number, extra: Partial<ConsultDto> = {}): ConsultDto => ({
  id,
  case_id: CASE,
  requested_by: PEER,
  consultant_ids: [ME],
  question: `question ${id}`,
  summary: '',
  diagnoses: [],
  urgency: 'routine',
  status: 'requested',
  conversation_id: `c-${id}`,
  created_at: `2026-11-23T02:${String(minute).padStart(2, '0')}:00Z`,
  updated_at: `2026-11-23T02:${String(minute).padStart(2, '0')}:00Z`,
  ...extra,
});
const ids = (list: readonly ConsultDto[] | undefined) => list?.map((c) => c.id);

describe('inConsultBox', () => {
  it('incoming: I am asked; outgoing: I asked', () => {
    expect(inConsultBox(consult('a', 1), 'incoming', ME)).toBe(true);
    expect(inConsultBox(consult('a', 1), 'outgoing', ME)).toBe(false);
    const mine = consult('b', 1, { requested_by: ME, consultant_ids: [PEER] });
    expect(inConsultBox(mine, 'incoming', ME)).toBe(false);
    expect(inConsultBox(mine, 'outgoing', ME)).toBe(true);
  });
});

describe('applyConsultToBox', () => {
  const shown = { items: [consult('c', 3), consult('b', 2)], more: true };

  it('puts a new consult addressed to me at the top of incoming', () => {
    expect(ids(applyConsultToBox(shown, 'incoming', ME, consult('d', 4))?.items)).toEqual(['d', 'c', 'b']);
  });

  it('replaces one it shows with its new state', () => {
    const next = applyConsultToBox(shown, 'incoming', ME, consult('b', 2, { status: 'accepted' }));
    expect(next?.items.map((c) => [c.id, c.status])).toEqual([
      ['c', 'requested'],
      ['b', 'accepted'],
    ]);
  });

  it('ignores a consult of another box, and takes out one no longer addressed to me', () => {
    expect(applyConsultToBox(shown, 'outgoing', ME, consult('d', 4))).toEqual(shown);
    expect(applyConsultToBox(shown, 'incoming', ME, consult('x', 4, { consultant_ids: [PEER] }))).toBe(shown);
    expect(ids(applyConsultToBox(shown, 'incoming', ME, consult('c', 3, { consultant_ids: [PEER] }))?.items)).toEqual(['b']);
  });

  it('leaves an older consult to "load more"', () => {
    expect(applyConsultToBox(shown, 'incoming', ME, consult('a', 1))).toBe(shown);
  });

  it('asks for a reload while it does not know who I am', () => {
    expect(applyConsultToBox(shown, 'incoming', null, consult('d', 4))).toBeUndefined();
  });
});

describe('applyConsultToCase', () => {
  const list = [consult('a', 1), consult('b', 2)];

  it('appends a new consult of the case (oldest first) and replaces a known one', () => {
    expect(ids(applyConsultToCase(list, CASE, consult('c', 3)))).toEqual(['a', 'b', 'c']);
    expect(applyConsultToCase(list, CASE, consult('a', 1, { status: 'completed' })).map((c) => c.status)).toEqual(['completed', 'requested']);
  });

  it('moves one shown out of order (just created, put first) to its place', () => {
    const created = consult('c', 3);
    expect(ids(applyConsultToCase([created, ...list], CASE, { ...created, status: 'accepted' }))).toEqual(['a', 'b', 'c']);
  });

  it("ignores another case's consult", () => {
    expect(applyConsultToCase(list, CASE, consult('x', 3, { case_id: 'case-2' }))).toBe(list);
  });
});
