import { describe, expect, it } from 'vitest';
import { attentionFor, levelAllows } from './attention';

describe('notification levels', () => {
  it('all lets everything through, mentions only mentions, none only urgent messages and escalations', () => {
    expect(levelAllows(undefined, 'assigned')).toBe(true);
    expect(levelAllows('all', 'mentioned')).toBe(true);
    expect(levelAllows('mentions', 'mentioned')).toBe(true);
    expect(levelAllows('mentions', 'consult_requested')).toBe(false);
    expect(levelAllows('none', 'mentioned')).toBe(false);
    expect(levelAllows('none', 'urgent_message')).toBe(true);
    expect(levelAllows('none', 'escalation')).toBe(true);
  });
});

describe('sound and desktop notice', () => {
  const base = { level: undefined, duty: 'on_duty' as const, interacted: true };
  it('beeps only for urgent messages and escalations, after an interaction', () => {
    expect(attentionFor({ ...base, kind: 'urgent_message' })).toEqual({ desktop: true, sound: true });
    expect(attentionFor({ ...base, kind: 'escalation' })).toEqual({ desktop: true, sound: true });
    expect(attentionFor({ ...base, kind: 'mentioned' })).toEqual({ desktop: true, sound: false });
    expect(attentionFor({ ...base, kind: 'urgent_message', interacted: false })).toEqual({ desktop: true, sound: false });
  });
  it('a muted conversation stays silent except for urgent messages and escalations', () => {
    expect(attentionFor({ ...base, kind: 'mentioned', level: 'none' })).toEqual({ desktop: false, sound: false });
    expect(attentionFor({ ...base, kind: 'urgent_message', level: 'none' })).toEqual({ desktop: true, sound: true });
  });
  it('do not disturb: no sound, and a desktop notice only for an escalation', () => {
    const dnd = { ...base, duty: 'do_not_disturb' as const };
    expect(attentionFor({ ...dnd, kind: 'urgent_message' })).toEqual({ desktop: false, sound: false });
    expect(attentionFor({ ...dnd, kind: 'escalation' })).toEqual({ desktop: true, sound: false });
    expect(attentionFor({ ...dnd, kind: 'assigned' })).toEqual({ desktop: false, sound: false });
  });
});
