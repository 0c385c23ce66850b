// Jumping to an old message loads everything between it and what is loaded,
// in as few requests as the server's page size allows.
import { describe, expect, it } from 'vitest';
import { pagesDownTo } from './jump';

describe('pagesDownTo', () => {
  it('asks for the 30 messages before the target up to the oldest loaded', () => {
    expect(pagesDownTo(101, 90)).toEqual([{ before_seq: 101, limit: 41 }]);
  });
  it('splits a long stretch into pages of 200, newest first', () => {
    expect(pagesDownTo(951, 100)).toEqual([
      { before_seq: 951, limit: 200 },
      { before_seq: 751, limit: 200 },
      { before_seq: 551, limit: 200 },
      { before_seq: 351, limit: 200 },
      { before_seq: 151, limit: 81 },
    ]);
  });
  it('stops at the first message', () => {
    expect(pagesDownTo(51, 3)).toEqual([{ before_seq: 51, limit: 50 }]);
  });
  it('needs nothing when the target is loaded already', () => {
    expect(pagesDownTo(10, 40)).toEqual([]);
    expect(pagesDownTo(1, 1)).toEqual([]);
  });
});
