import { useCallback, useEffect, useRef, useState } from 'react';
import type { AttachmentDto } from '../api/types';
import { rest } from '../session';
import { isStale } from './files';

export interface Fresh {
  /** The attachment with the newest signed URLs this component has. */
  attachment: AttachmentDto;
  /** Fetches fresh signed URLs (`GET /attachments/{id}`); null when that failed. */
  refresh: () => Promise<AttachmentDto | null>;
  /**
   * For an `<img>` that failed to load: its URL may have expired, so fetch
   * fresh ones, once. `giveUp` runs when that was tried already, failed, or
   * brought the same URL (the picture is broken for good).
   */
  retryOnce: (giveUp: () => void) => void;
  /** True while URLs that had run out are being renewed (with `refreshIfStale`): show them only after. */
  renewing: boolean;
}

/**
 * An attachment whose signed URLs (valid for some minutes) are renewed when
 * they have run out: on demand, and once after a picture failed to load.
 */
export function useFresh(initial: AttachmentDto, options: { refreshIfStale?: boolean } = {}): Fresh {
  const [attachment, setAttachment] = useState(initial);
  const retried = useRef(false);
  const live = useRef(true);

  // A new copy from the server (a history reload, a live event) replaces ours.
  useEffect(() => {
    setAttachment(initial);
    retried.current = false;
  }, [initial.id, initial.content_url, initial.preview_url]);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const refresh = useCallback(async (): Promise<AttachmentDto | null> => {
    try {
      const fresh = await rest.attachment(initial.id);
      if (live.current) setAttachment(fresh);
      return fresh;
    } catch {
      return null;
    }
  }, [initial.id]);

  const current = useRef(attachment);
  current.current = attachment;
  const retryOnce = useCallback(
    (giveUp: () => void) => {
      if (retried.current) {
        giveUp();
        return;
      }
      retried.current = true;
      const before = current.current;
      void refresh().then((fresh) => {
        if (fresh === null || (fresh.preview_url === before.preview_url && fresh.content_url === before.content_url)) giveUp();
      });
    },
    [refresh],
  );

  // The viewer renews URLs that are about to run out before showing them.
  const refreshIfStale = options.refreshIfStale === true;
  const stale = refreshIfStale && (isStale(initial.content_url) || isStale(initial.preview_url));
  const [renewing, setRenewing] = useState(stale);
  useEffect(() => {
    if (!stale) return;
    setRenewing(true);
    void refresh().finally(() => {
      if (live.current) setRenewing(false);
    });
  }, [stale, refresh]);

  return { attachment, refresh, retryOnce, renewing };
}

/** Starts a download of the attachment's original bytes (its URL carries Content-Disposition). */
export function startDownload(a: AttachmentDto): void {
  const link = document.createElement('a');
  link.href = a.content_url;
  link.download = a.name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}
