import { describe, expect, it } from 'vitest';
import { MAX_ATTACHMENTS } from './files';
import { canSend, EMPTY_QUEUE, isUploading, percent, queueReducer, readyAttachments, slotsLeft, type QueueAction, type UploadQueue } from './queue';
import { attachment } from './testing';

const run = (actions: QueueAction[], from: UploadQueue = EMPTY_QUEUE) => actions.reduce(queueReducer, from);
const file = (key: string, size = 1000) => ({ key, name: `${key}.png`, size });

describe('the upload queue', () => {
  it('uploads each chosen file, with its progress, until it is done', () => {
    let q = run([{ type: 'add', files: [file('a'), file('b', 2000)] }]);
    expect(q.items.map((i) => [i.key, i.status, i.loaded, i.total])).toEqual([
      ['a', 'uploading', 0, 1000],
      ['b', 'uploading', 0, 2000],
    ]);
    expect(isUploading(q)).toBe(true);

    q = run([{ type: 'progress', key: 'a', loaded: 600, total: 1200 }], q);
    expect(percent(q.items[0]!)).toBe(50);
    q = run([{ type: 'done', key: 'a', attachment: attachment('a') }], q);
    expect(q.items[0]).toMatchObject({ status: 'done', attachment: { id: 'a' } });
    expect(percent(q.items[0]!)).toBe(100);
    expect(isUploading(q)).toBe(true);

    q = run([{ type: 'done', key: 'b', attachment: attachment('b') }], q);
    expect(isUploading(q)).toBe(false);
    expect(readyAttachments(q).map((a) => a.id)).toEqual(['a', 'b']);
  });

  it('keeps a refused file with its error, and leaves it out of the message', () => {
    const error = new Error('415');
    const q = run([
      { type: 'add', files: [file('a'), file('exe')] },
      { type: 'done', key: 'a', attachment: attachment('a') },
      { type: 'failed', key: 'exe', error },
    ]);
    expect(q.items[1]).toMatchObject({ status: 'failed', error });
    expect(readyAttachments(q).map((a) => a.id)).toEqual(['a']);
    expect(canSend('', q)).toBe(true);
  });

  it('ignores late news about a file that was cancelled or already settled', () => {
    const q = run([{ type: 'add', files: [file('a')] }, { type: 'remove', key: 'a' }]);
    expect(run([{ type: 'progress', key: 'a', loaded: 5, total: 10 }], q)).toBe(q);
    expect(run([{ type: 'done', key: 'a', attachment: attachment('a') }], q)).toBe(q);
    const done = run([{ type: 'add', files: [file('b')] }, { type: 'done', key: 'b', attachment: attachment('b') }]);
    expect(run([{ type: 'failed', key: 'b', error: 'late' }], done)).toBe(done);
    expect(run([{ type: 'progress', key: 'b', loaded: 1, total: 10 }], done)).toBe(done);
  });

  it('never shows more than 100 % or less than 0 %', () => {
    expect(percent({ status: 'uploading', loaded: 0, total: 0 })).toBe(0);
    expect(percent({ status: 'uploading', loaded: 15, total: 10 })).toBe(100);
    expect(percent({ status: 'uploading', loaded: 999, total: 1000 })).toBe(99);
  });

  it(`takes at most ${MAX_ATTACHMENTS} files per message; refused ones do not count`, () => {
    const many = Array.from({ length: MAX_ATTACHMENTS + 3 }, (_, i) => file(`f${i}`));
    let q = run([{ type: 'add', files: many }]);
    expect(q.items).toHaveLength(MAX_ATTACHMENTS);
    expect(q.overflow).toBe(3);
    expect(slotsLeft(q)).toBe(0);

    q = run([{ type: 'failed', key: 'f0', error: 'x' }], q);
    expect(slotsLeft(q)).toBe(1);
    q = run([{ type: 'add', files: [file('late'), file('later')] }], q);
    expect(q.items.map((i) => i.key)).toContain('late');
    expect(q.items.map((i) => i.key)).not.toContain('later');
    expect(q.overflow).toBe(1);

    // Removing a file clears the notice.
    q = run([{ type: 'remove', key: 'f1' }], q);
    expect(q.overflow).toBe(0);
  });

  it('sends only when nothing is still uploading, and there is text or a file', () => {
    expect(canSend('', EMPTY_QUEUE)).toBe(false);
    expect(canSend('  ', EMPTY_QUEUE)).toBe(false);
    expect(canSend('hello', EMPTY_QUEUE)).toBe(true);
    const uploading = run([{ type: 'add', files: [file('a')] }]);
    expect(canSend('hello', uploading)).toBe(false);
    const done = run([{ type: 'done', key: 'a', attachment: attachment('a') }], uploading);
    expect(canSend('', done)).toBe(true);
  });

  it('drops the files that went out with a message, and everything on reset', () => {
    const q = run([
      { type: 'add', files: [file('a'), file('b')] },
      { type: 'done', key: 'a', attachment: attachment('a') },
      { type: 'failed', key: 'b', error: 'x' },
      { type: 'sent', keys: ['a'] },
    ]);
    expect(q.items.map((i) => i.key)).toEqual(['b']);
    expect(run([{ type: 'sent', keys: [] }], q)).toBe(q);
    expect(run([{ type: 'reset' }], q)).toEqual(EMPTY_QUEUE);
    expect(run([{ type: 'reset' }], EMPTY_QUEUE)).toBe(EMPTY_QUEUE);
  });
});
