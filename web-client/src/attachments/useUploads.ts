import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { AttachmentDto } from '../api/types';
import { api } from '../session';
import { EMPTY_QUEUE, queueReducer, readyAttachments, type UploadQueue } from './queue';
import { isAbortError, uploadAttachment, type UploadHandle } from './upload';
import { refuseBeforeUpload } from './uploadErrors';

export interface Uploads {
  queue: UploadQueue;
  /** Starts uploading each file (up to the per-message limit). */
  add: (files: readonly File[]) => void;
  /** Cancels an upload, or takes a file off the message. */
  remove: (key: string) => void;
  /** The uploaded files for the message being sent; they leave the queue. */
  take: () => AttachmentDto[];
}

let counter = 0;
const nextKey = () => `upload-${Date.now().toString(36)}-${(counter += 1)}`;

/** The uploads of the message being written in one conversation; switching conversations cancels them. */
export function useUploads(conversationId: string): Uploads {
  const [queue, dispatch] = useReducer(queueReducer, EMPTY_QUEUE);
  const handles = useRef(new Map<string, UploadHandle>());
  const latest = useRef(queue);
  latest.current = queue;

  useEffect(() => {
    const running = handles.current;
    return () => {
      for (const h of running.values()) h.abort();
      running.clear();
      dispatch({ type: 'reset' });
    };
  }, [conversationId]);

  const add = useCallback(
    (files: readonly File[]) => {
      if (files.length === 0) return;
      const chosen = files.map((file) => ({ key: nextKey(), name: file.name === '' ? 'file' : file.name, size: file.size, file }));
      const action = { type: 'add', files: chosen } as const;
      // Applied here too, so a second add before the next render counts this one's files.
      latest.current = queueReducer(latest.current, action);
      dispatch(action);
      const accepted = new Set(latest.current.items.map((i) => i.key));
      for (const { key, name, file } of chosen.filter((c) => accepted.has(c.key))) {
        const refused = refuseBeforeUpload(file);
        if (refused !== null) {
          dispatch({ type: 'failed', key, error: refused });
          continue;
        }
        const handle = uploadAttachment({
          conversationId,
          file,
          fileName: name,
          token: (fresh) => api.accessToken(fresh),
          onProgress: (loaded, total) => dispatch({ type: 'progress', key, loaded, total }),
        });
        handles.current.set(key, handle);
        handle.promise.then(
          (attachment) => {
            handles.current.delete(key);
            dispatch({ type: 'done', key, attachment });
          },
          (error: unknown) => {
            handles.current.delete(key);
            if (!isAbortError(error)) dispatch({ type: 'failed', key, error });
          },
        );
      }
    },
    [conversationId],
  );

  const remove = useCallback((key: string) => {
    handles.current.get(key)?.abort();
    handles.current.delete(key);
    dispatch({ type: 'remove', key });
  }, []);

  const take = useCallback(() => {
    const current = latest.current;
    const ready = readyAttachments(current);
    const keys = current.items.filter((i) => i.status === 'done').map((i) => i.key);
    const action = { type: 'sent', keys } as const;
    latest.current = queueReducer(current, action);
    dispatch(action);
    return ready;
  }, []);

  return useMemo(() => ({ queue, add, remove, take }), [queue, add, remove, take]);
}
