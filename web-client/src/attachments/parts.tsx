// Pieces shared by the message attachments, the viewer and the case materials.

import type { MouseEvent } from 'react';
import type { AttachmentDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { fileBadge, isStale } from './files';
import { startDownload } from './useFresh';

/** The coloured square with the file's extension. */
export function FileBadge({ attachment }: { attachment: Pick<AttachmentDto, 'kind' | 'name'> }) {
  return (
    <span className={`file-badge file-badge--${attachment.kind}`} aria-hidden="true">
      {fileBadge(attachment)}
    </span>
  );
}

/** `<a download>` to the original bytes; a URL about to expire is renewed first. */
export function DownloadLink({
  attachment: a,
  refresh,
  className,
}: {
  attachment: AttachmentDto;
  refresh: () => Promise<AttachmentDto | null>;
  className: string;
}) {
  const { t } = useI18n();
  function onClick(e: MouseEvent<HTMLAnchorElement>) {
    if (!isStale(a.content_url)) return;
    e.preventDefault();
    void refresh().then((fresh) => startDownload(fresh ?? a));
  }
  return (
    <a className={className} href={a.content_url} download={a.name} aria-label={t('attach.downloadName', { name: a.name })} onClick={onClick}>
      {t('attach.download')}
    </a>
  );
}
