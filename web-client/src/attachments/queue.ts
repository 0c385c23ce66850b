// The files being attached to the message in the composer: each uploads as
// soon as it is chosen, shows its progress, and is sent (by id) with the next
// message once every upload has finished. A pure reducer; useUploads.ts runs
// the uploads and feeds it.

import type { AttachmentDto } from '../api/types';
import { MAX_ATTACHMENTS } from './files';

export type UploadStatus = 'uploading' | 'done' | 'failed';

export interface UploadItem {
  /** A local id (the server's comes with `attachment`). */
  key: string;
  name: string;
  /** Bytes of the file. */
  size: number;
  status: UploadStatus;
  /** Bytes sent so far, and of how many (the multipart body is a little larger than the file). */
  loaded: number;
  total: number;
  /** The stored file, once the server answered 201. */
  attachment?: AttachmentDto;
  /** Why it was refused (an ApiError, or a client-side refusal). */
  error?: unknown;
}

export interface UploadQueue {
  items: readonly UploadItem[];
  /** Files left out because the message already had MAX_ATTACHMENTS (shown until the next change). */
  overflow: number;
}

export const EMPTY_QUEUE: UploadQueue = { items: [], overflow: 0 };

export type QueueAction =
  /** Files chosen, dropped or pasted; those beyond the limit are counted in `overflow`, not added. */
  | { type: 'add'; files: readonly { key: string; name: string; size: number }[] }
  | { type: 'progress'; key: string; loaded: number; total: number }
  | { type: 'done'; key: string; attachment: AttachmentDto }
  | { type: 'failed'; key: string; error: unknown }
  /** Cancelled while uploading, or taken off the message. */
  | { type: 'remove'; key: string }
  /** These went out with a message. */
  | { type: 'sent'; keys: readonly string[] }
  | { type: 'reset' };

/** How many more files the message can take: failed ones do not count. */
export function slotsLeft(queue: UploadQueue): number {
  return Math.max(0, MAX_ATTACHMENTS - queue.items.filter((i) => i.status !== 'failed').length);
}

export function queueReducer(queue: UploadQueue, action: QueueAction): UploadQueue {
  switch (action.type) {
    case 'add': {
      if (action.files.length === 0) return queue;
      const room = slotsLeft(queue);
      const taken = action.files.slice(0, room).map(
        (f): UploadItem => ({ key: f.key, name: f.name, size: f.size, status: 'uploading', loaded: 0, total: f.size }),
      );
      return { items: [...queue.items, ...taken], overflow: action.files.length - taken.length };
    }
    case 'progress':
      return update(queue, action.key, (i) =>
        i.status === 'uploading' ? { ...i, loaded: Math.min(action.loaded, action.total), total: action.total } : i,
      );
    case 'done':
      return update(queue, action.key, (i) =>
        i.status === 'uploading' ? { key: i.key, name: i.name, size: i.size, status: 'done', loaded: i.total, total: i.total, attachment: action.attachment } : i,
      );
    case 'failed':
      return update(queue, action.key, (i) => (i.status === 'uploading' ? { ...i, status: 'failed', error: action.error } : i));
    case 'remove': {
      if (!queue.items.some((i) => i.key === action.key)) return queue;
      return { items: queue.items.filter((i) => i.key !== action.key), overflow: 0 };
    }
    case 'sent': {
      const sent = new Set(action.keys);
      if (!queue.items.some((i) => sent.has(i.key))) return queue;
      return { items: queue.items.filter((i) => !sent.has(i.key)), overflow: 0 };
    }
    case 'reset':
      return queue.items.length === 0 && queue.overflow === 0 ? queue : EMPTY_QUEUE;
  }
}

function update(queue: UploadQueue, key: string, change: (item: UploadItem) => UploadItem): UploadQueue {
  let changed = false;
  const items = queue.items.map((i) => {
    if (i.key !== key) return i;
    const next = change(i);
    if (next !== i) changed = true;
    return next;
  });
  return changed ? { ...queue, items } : queue;
}

/** Whole percent of an upload, 0–100. */
export function percent(item: Pick<UploadItem, 'status' | 'loaded' | 'total'>): number {
  if (item.status === 'done') return 100;
  if (item.total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((item.loaded / item.total) * 100)));
}

/** Whether an upload is still under way (Send waits for it). */
export function isUploading(queue: UploadQueue): boolean {
  return queue.items.some((i) => i.status === 'uploading');
}

/** The uploaded files, in the order they were chosen: what the next message carries. */
export function readyAttachments(queue: UploadQueue): AttachmentDto[] {
  return queue.items.flatMap((i) => (i.status === 'done' && i.attachment !== undefined ? [i.attachment] : []));
}

/** Whether Send may go: something to send (text or an uploaded file) and no upload still running. */
export function canSend(text: string, queue: UploadQueue): boolean {
  if (isUploading(queue)) return false;
  return text.trim() !== '' || readyAttachments(queue).length > 0;
}
