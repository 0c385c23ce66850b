import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { isAbortError, uploadAttachment } from './upload';
import { attachment } from './testing';

/** Just enough of XMLHttpRequest: records the request; the test answers it. */
class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  statusText = '';
  responseText = '';
  aborted = false;
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  answer(status: number, body: unknown, statusText = '') {
    this.status = status;
    this.statusText = statusText;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
}

function setup(token: (fresh: boolean) => Promise<string | null> = async (fresh) => (fresh ? 'token-2' : 'token-1')) {
  const xhrs: FakeXhr[] = [];
  const onProgress = vi.fn();
  const tokens = vi.fn(token);
  const file = new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], { type: 'image/png' });
  const handle = uploadAttachment({
    conversationId: 'conv 1',
    file,
    fileName: 'wound.png',
    token: tokens,
    onProgress,
    createXhr: () => {
      const x = new FakeXhr();
      xhrs.push(x);
      return x as unknown as XMLHttpRequest;
    },
  });
  /** The request once it has gone out (the token is awaited first). */
  const sent = async (n = 1) => {
    await vi.waitFor(() => expect(xhrs.length).toBe(n));
    return xhrs[n - 1]!;
  };
  return { handle, sent, onProgress, tokens, file };
}

describe('uploading a file', () => {
  it('posts one multipart part `file` with its name and the bearer token, reports progress, resolves with the attachment', async () => {
    const { handle, sent, onProgress } = setup();
    const xhr = await sent();
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/v1/conversations/conv%201/attachments');
    expect(xhr.headers.Authorization).toBe('Bearer token-1');
    const part = xhr.body?.get('file');
    expect(part).toBeInstanceOf(File);
    expect((part as File).name).toBe('wound.png');
    expect((part as File).size).toBe(8);

    xhr.progress(4, 10);
    expect(onProgress).toHaveBeenLastCalledWith(4, 10);
    const stored = attachment('a1', { name: 'wound.png' });
    xhr.answer(201, stored);
    await expect(handle.promise).resolves.toEqual(stored);
  });

  it('rejects with the server\'s refusal as an ApiError (code, reason, status)', async () => {
    const { handle, sent } = setup();
    (await sent()).answer(415, { error: { code: 'unsupported_media_type', reason: 'unsupported_file_type', message: 'application/x-msdownload' } });
    const error: unknown = await handle.promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'unsupported_media_type', reason: 'unsupported_file_type', status: 415 });
  });

  it('renews an expired token once and sends again', async () => {
    const { handle, sent, tokens } = setup();
    (await sent()).answer(401, { error: { code: 'unauthorized', reason: 'token_expired', message: 'expired' } });
    const second = await sent(2);
    expect(tokens).toHaveBeenLastCalledWith(true);
    expect(second.headers.Authorization).toBe('Bearer token-2');
    second.answer(201, attachment('a2'));
    await expect(handle.promise).resolves.toMatchObject({ id: 'a2' });
  });

  it('gives up when the token cannot be renewed', async () => {
    const { handle, sent } = setup(async (fresh) => (fresh ? null : 'token-1'));
    (await sent()).answer(401, { error: { code: 'unauthorized', reason: 'token_expired', message: 'expired' } });
    await expect(handle.promise).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('a network failure is a `network` error; a garbled answer an `internal` one', async () => {
    const a = setup();
    (await a.sent()).onerror?.();
    await expect(a.handle.promise).rejects.toMatchObject({ code: 'network', status: 0 });
    const b = setup();
    (await b.sent()).answer(201, '<html>proxy</html>');
    await expect(b.handle.promise).rejects.toMatchObject({ code: 'internal' });
  });

  it('can be cancelled mid-way, and before it has even started', async () => {
    const a = setup();
    const xhr = await a.sent();
    a.handle.abort();
    expect(xhr.aborted).toBe(true);
    expect(isAbortError(await a.handle.promise.catch((e: unknown) => e))).toBe(true);

    const b = setup();
    b.handle.abort();
    expect(isAbortError(await b.handle.promise.catch((e: unknown) => e))).toBe(true);
  });
});
