// One file to `POST /conversations/{id}/attachments` (SPEC §6), as
// multipart/form-data with one part `file`. XMLHttpRequest rather than fetch:
// it reports upload progress and can be cancelled mid-way. It carries the
// same bearer token as the REST client and, like it, renews an expired token
// once (401 → fresh token → send again).

import { API_BASE } from '../api/client';
import { ApiError, errorFromResponse } from '../api/errors';
import type { AttachmentDto } from '../api/types';

export interface UploadHandle {
  /** The stored file; rejects with an ApiError, or an AbortError once cancelled. */
  promise: Promise<AttachmentDto>;
  abort: () => void;
}

export interface UploadOptions {
  conversationId: string;
  file: Blob;
  /** The file name sent with the part (a pasted image may have none of its own). */
  fileName: string;
  /** An access token; `fresh` after the server refused the last one. Null once signed out. */
  token: (fresh: boolean) => Promise<string | null>;
  onProgress?: (loaded: number, total: number) => void;
  baseUrl?: string;
  /** For tests. */
  createXhr?: () => XMLHttpRequest;
}

export function abortError(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export function uploadAttachment(options: UploadOptions): UploadHandle {
  const { conversationId, file, fileName, token, onProgress } = options;
  const url = `${options.baseUrl ?? API_BASE}/conversations/${encodeURIComponent(conversationId)}/attachments`;
  const createXhr = options.createXhr ?? (() => new XMLHttpRequest());
  let current: XMLHttpRequest | null = null;
  let aborted = false;

  const once = (bearer: string | null): Promise<{ status: number; statusText: string; text: string }> =>
    new Promise((resolve, reject) => {
      if (aborted) {
        reject(abortError());
        return;
      }
      const xhr = createXhr();
      current = xhr;
      xhr.open('POST', url);
      xhr.setRequestHeader('Accept', 'application/json');
      if (bearer !== null) xhr.setRequestHeader('Authorization', `Bearer ${bearer}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress?.(e.loaded, e.total);
      };
      xhr.onload = () => resolve({ status: xhr.status, statusText: xhr.statusText, text: xhr.responseText });
      xhr.onerror = () => reject(new ApiError('network', 'The upload could not reach the server.', 0));
      xhr.ontimeout = () => reject(new ApiError('network', 'The upload timed out.', 0));
      xhr.onabort = () => reject(abortError());
      const form = new FormData();
      form.append('file', file, fileName);
      xhr.send(form);
    });

  const run = async (): Promise<AttachmentDto> => {
    const first = await token(false);
    let answer = await once(first);
    if (answer.status === 401 && first !== null) {
      const renewed = await token(true);
      if (renewed !== null && renewed !== first) answer = await once(renewed);
    }
    if (answer.status < 200 || answer.status >= 300) throw errorFromResponse(answer.status, answer.statusText, answer.text);
    try {
      return JSON.parse(answer.text) as AttachmentDto;
    } catch {
      throw new ApiError('internal', 'The server sent a malformed response.', answer.status);
    }
  };

  return {
    promise: run(),
    abort: () => {
      aborted = true;
      current?.abort();
    },
  };
}
