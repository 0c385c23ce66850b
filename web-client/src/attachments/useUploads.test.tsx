// @vitest-environment jsdom
// The composer's uploads as a hook: each file starts at once, refusals made
// before sending, cancel, hand-over to the message, and a switch of
// conversation cancelling what is still running.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AttachmentDto } from '../api/types';
import { MAX_UPLOAD_BYTES } from './files';
import { abortError, type UploadOptions } from './upload';
import { attachment } from './testing';
import { useUploads, type Uploads } from './useUploads';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

interface Started {
  options: UploadOptions;
  resolve: (a: AttachmentDto) => void;
  reject: (e: unknown) => void;
  abort: ReturnType<typeof vi.fn>;
}
const started: Started[] = [];

vi.mock('./upload', async (importOriginal) => {
  const real = await importOriginal<typeof import('./upload')>();
  return {
    ...real,
    uploadAttachment: (options: UploadOptions) => {
      let resolve!: (a: AttachmentDto) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<AttachmentDto>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const abort = vi.fn(() => reject(real.abortError()));
      started.push({ options, resolve, reject, abort });
      return { promise, abort };
    },
  };
});

let container: HTMLElement;
let root: Root;
let uploads: Uploads;

function Probe({ conversationId }: { conversationId: string }) {
  uploads = useUploads(conversationId);
  return null;
}

function render(conversationId = 'conv-1') {
  act(() => root.render(<Probe conversationId={conversationId} />));
}

const file = (name: string, size = 10) => new File([new Uint8Array(size)], name);
const states = () => uploads.queue.items.map((i) => [i.name, i.status]);

beforeEach(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  started.length = 0;
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

describe('useUploads', () => {
  it('uploads each file to the conversation at once, with progress, and hands the finished ones to the message', async () => {
    render();
    act(() => uploads.add([file('wound.png'), file('lab-report.pdf')]));
    expect(started.map((s) => [s.options.conversationId, s.options.fileName])).toEqual([
      ['conv-1', 'wound.png'],
      ['conv-1', 'lab-report.pdf'],
    ]);
    act(() => started[0]!.options.onProgress?.(5, 10));
    expect(uploads.queue.items[0]).toMatchObject({ loaded: 5, total: 10 });

    await act(async () => started[0]!.resolve(attachment('a1')));
    expect(states()).toEqual([
      ['wound.png', 'done'],
      ['lab-report.pdf', 'uploading'],
    ]);
    let taken: AttachmentDto[] = [];
    act(() => {
      taken = uploads.take();
    });
    expect(taken.map((a) => a.id)).toEqual(['a1']);
    expect(states()).toEqual([['lab-report.pdf', 'uploading']]);
  });

  it('refuses an empty or oversized file without sending it', () => {
    render();
    const big = file('big.mov');
    Object.defineProperty(big, 'size', { value: MAX_UPLOAD_BYTES + 1 });
    act(() => uploads.add([file('empty.txt', 0), big]));
    expect(started).toHaveLength(0);
    expect(states()).toEqual([
      ['empty.txt', 'failed'],
      ['big.mov', 'failed'],
    ]);
  });

  it('keeps a refusal with its reason; a cancelled upload just goes', async () => {
    render();
    act(() => uploads.add([file('program.exe'), file('slow.png')]));
    const refusal = new Error('415');
    await act(async () => started[0]!.reject(refusal));
    expect(uploads.queue.items[0]).toMatchObject({ status: 'failed', error: refusal });

    const slow = uploads.queue.items[1]!.key;
    await act(async () => uploads.remove(slow));
    expect(started[1]!.abort).toHaveBeenCalled();
    expect(states()).toEqual([['program.exe', 'failed']]);
  });

  it('cancels what is still uploading when the conversation changes', async () => {
    render('conv-1');
    act(() => uploads.add([file('a.png')]));
    await act(async () => render('conv-2'));
    expect(started[0]!.abort).toHaveBeenCalled();
    expect(uploads.queue.items).toEqual([]);
    act(() => uploads.add([file('b.png')]));
    expect(started[1]!.options.conversationId).toBe('conv-2');
  });

  it('names a file without a name', () => {
    render();
    act(() => uploads.add([file('')]));
    expect(started[0]!.options.fileName).toBe('file');
    expect(abortError().name).toBe('AbortError');
  });
});
