// The files of a message: pictures (photos, DICOM) as thumbnails, everything
// else as a card with its name, kind and size and a download link. Either
// opens the viewer.

import { useState } from 'react';
import type { AttachmentDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { dicomCaption, formatFileSize, showsAsPicture } from './files';
import { DownloadLink, FileBadge } from './parts';
import { useFresh } from './useFresh';
import { AttachmentViewer } from './Viewer';

/** The attachments of one message, each opening the viewer. */
export function AttachmentGallery({ attachments }: { attachments: readonly AttachmentDto[] }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<AttachmentDto | null>(null);
  if (attachments.length === 0) return null;
  return (
    <>
      <ul className="attachments" aria-label={t('attach.list')}>
        {attachments.map((a) => (
          <li key={a.id} className={showsAsPicture(a) ? 'attachments__item attachments__item--picture' : 'attachments__item'}>
            {showsAsPicture(a) ? <Thumbnail attachment={a} onOpen={setOpen} /> : <FileCard attachment={a} onOpen={setOpen} />}
          </li>
        ))}
      </ul>
      {open !== null && <AttachmentViewer attachment={open} onClose={() => setOpen(null)} />}
    </>
  );
}

/** A picture's preview as a button; a DICOM image says its modality and study under it. */
export function Thumbnail({ attachment, onOpen }: { attachment: AttachmentDto; onOpen: (a: AttachmentDto) => void }) {
  const { t } = useI18n();
  const { attachment: a, retryOnce } = useFresh(attachment);
  const [broken, setBroken] = useState(false);
  const caption = dicomCaption(a);
  return (
    <button type="button" className="attachment-thumb" onClick={() => onOpen(a)} aria-label={t('attach.open', { name: a.name })} title={a.name}>
      {broken ? (
        <span className="attachment-thumb__broken">
          <FileBadge attachment={a} />
          <span className="attachment-thumb__name">{a.name}</span>
        </span>
      ) : (
        <img
          className="attachment-thumb__img"
          src={a.preview_url}
          alt={a.name}
          loading="lazy"
          decoding="async"
          draggable={false}
          onError={() => retryOnce(() => setBroken(true))}
        />
      )}
      {caption !== '' && <span className="attachment-thumb__caption">{caption}</span>}
    </button>
  );
}

/** A file that is not shown as a picture: icon, name, kind and size; opens the viewer, with a download link beside. */
export function FileCard({ attachment, onOpen }: { attachment: AttachmentDto; onOpen: (a: AttachmentDto) => void }) {
  const { t, locale } = useI18n();
  const fresh = useFresh(attachment);
  const a = fresh.attachment;
  const caption = dicomCaption(a);
  return (
    <div className="attachment-card">
      <button type="button" className="attachment-card__open" onClick={() => onOpen(a)} aria-label={t('attach.open', { name: a.name })}>
        <FileBadge attachment={a} />
        <span className="attachment-card__text">
          <span className="attachment-card__name">{a.name}</span>
          <span className="attachment-card__meta">
            {t(`attach.kind.${a.kind}`)} · {formatFileSize(a.size, locale)}
            {caption !== '' && ` · ${caption}`}
          </span>
        </span>
      </button>
      <DownloadLink attachment={a} refresh={fresh.refresh} className="attachment-card__download link-button" />
    </div>
  );
}
