// A modal viewer for one attachment: pictures (photos, DICOM previews) with
// zoom (buttons, wheel, +/-/0 keys, double-click) and pan (drag), a PDF
// inline, anything else as a download. Named by the file; Escape or Close
// ends it and gives the focus back to what opened it.

import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type PointerEvent } from 'react';
import { createPortal } from 'react-dom';
import type { AttachmentDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { DownloadLink, FileBadge } from './parts';
import { formatFileSize, viewMode } from './files';
import { useFresh } from './useFresh';
import { FIT, panBy, transformOf, wheelFactor, ZOOM_STEP, zoomAt, zoomPercent, type View } from './zoom';

const FOCUSABLE = 'a[href], button:not([disabled]), iframe, input, select, textarea, [tabindex]:not([tabindex="-1"])';

export function AttachmentViewer({ attachment, onClose }: { attachment: AttachmentDto; onClose: () => void }) {
  const { t, locale } = useI18n();
  const fresh = useFresh(attachment, { refreshIfStale: true });
  const a = fresh.attachment;
  const mode = viewMode(a);
  const titleId = useId();
  const hintId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const [view, setView] = useState<View>(FIT);

  // Focus moves in, Escape closes from anywhere, the page behind does not scroll; all undone on close.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus({ preventScroll: true });
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        onCloseRef.current();
      }
    };
    document.addEventListener('keydown', onKey, true);
    const overflow = document.body.style.overflow;
    document.body.style.overflow = 'hidden';
    // The app behind is out of reach (focus, clicks, screen readers) while the viewer is open.
    const app = document.getElementById('root');
    const madeInert = app !== null && !app.hasAttribute('inert') && !app.contains(dialogRef.current);
    if (madeInert) app.setAttribute('inert', '');
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.body.style.overflow = overflow;
      if (madeInert) app.removeAttribute('inert');
      opener?.focus({ preventScroll: true });
    };
  }, []);

  function onKeyDown(e: ReactKeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Tab') {
      // Keep the focus inside the dialog.
      const items = [...(dialogRef.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
      const first = items[0];
      const last = items[items.length - 1];
      if (first === undefined || last === undefined) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
      return;
    }
    if (mode !== 'picture' || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '+' || e.key === '=') setView((v) => zoomAt(v, ZOOM_STEP));
    else if (e.key === '-') setView((v) => zoomAt(v, 1 / ZOOM_STEP));
    else if (e.key === '0') setView(FIT);
  }

  const d = a.dicom;
  return createPortal(
    <div
      className="viewer-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className={`viewer viewer--${mode}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={mode === 'picture' ? hintId : undefined}
        onKeyDown={onKeyDown}
      >
        <header className="viewer__bar">
          <div className="viewer__heading">
            <h2 id={titleId} className="viewer__title">
              {a.name}
            </h2>
            <span className="viewer__meta">
              {t(`attach.kind.${a.kind}`)} · {formatFileSize(a.size, locale)}
            </span>
          </div>
          <div className="viewer__actions">
            {mode === 'picture' && <ZoomControls view={view} onChange={setView} />}
            {mode !== 'download' && <DownloadLink attachment={a} refresh={fresh.refresh} className="button button--small" />}
            <button ref={closeRef} type="button" className="button button--small" onClick={onClose}>
              {t('viewer.close')}
            </button>
          </div>
        </header>
        <div className="viewer__body">
          {fresh.renewing && (
            <p className="viewer__download" role="status">
              {t('common.loading')}
            </p>
          )}
          {!fresh.renewing && mode === 'picture' && (
            <PictureStage
              src={a.preview_url ?? a.content_url}
              alt={a.name}
              view={view}
              onChange={setView}
              retryOnce={fresh.retryOnce}
            />
          )}
          {!fresh.renewing && mode === 'pdf' && (
            <>
              <iframe className="viewer__pdf" src={a.content_url} title={a.name} />
              <p className="viewer__note">
                {t('viewer.pdfFallback')}{' '}
                <a href={a.content_url} target="_blank" rel="noopener noreferrer">
                  {t('attach.openInTab')}
                </a>
              </p>
            </>
          )}
          {!fresh.renewing && mode === 'download' && (
            <div className="viewer__download">
              <FileBadge attachment={a} />
              <p>{t('viewer.noPreview')}</p>
              <DownloadLink attachment={a} refresh={fresh.refresh} className="button" />
            </div>
          )}
        </div>
        {mode === 'picture' && (
          <p id={hintId} className="viewer__note">
            {t('viewer.hint')}
          </p>
        )}
        {d !== undefined && (
          <dl className="viewer__dicom">
            <div>
              <dt>{t('viewer.modality')}</dt>
              <dd>{d.modality}</dd>
            </div>
            {d.study_description !== undefined && d.study_description !== '' && (
              <div>
                <dt>{t('viewer.study')}</dt>
                <dd>{d.study_description}</dd>
              </div>
            )}
            {d.series_description !== undefined && d.series_description !== '' && (
              <div>
                <dt>{t('viewer.series')}</dt>
                <dd>{d.series_description}</dd>
              </div>
            )}
            {d.rows > 0 && d.columns > 0 && (
              <div>
                <dt>{t('viewer.matrix')}</dt>
                <dd>
                  {d.columns} × {d.rows}
                  {d.frames > 1 && ` · ${t('attach.frames', { count: d.frames })}`}
                </dd>
              </div>
            )}
          </dl>
        )}
      </div>
    </div>,
    document.body,
  );
}

function ZoomControls({ view, onChange }: { view: View; onChange: (update: (v: View) => View) => void }) {
  const { t } = useI18n();
  return (
    <div className="viewer__zoom">
      <button type="button" className="button button--small" aria-label={t('viewer.zoomOut')} title={t('viewer.zoomOut')} onClick={() => onChange((v) => zoomAt(v, 1 / ZOOM_STEP))}>
        <span aria-hidden="true">−</span>
      </button>
      <span className="viewer__percent" role="status">
        <span className="visually-hidden">{t('viewer.zoomLevel', { percent: zoomPercent(view) })}</span>
        <span aria-hidden="true">{zoomPercent(view)}%</span>
      </span>
      <button type="button" className="button button--small" aria-label={t('viewer.zoomIn')} title={t('viewer.zoomIn')} onClick={() => onChange((v) => zoomAt(v, ZOOM_STEP))}>
        <span aria-hidden="true">+</span>
      </button>
      <button type="button" className="button button--small" onClick={() => onChange(() => FIT)} disabled={view === FIT}>
        {t('viewer.zoomReset')}
      </button>
    </div>
  );
}

/** The picture, fitted to the stage, zoomed about the pointer by the wheel and moved by dragging. */
function PictureStage({
  src,
  alt,
  view,
  onChange,
  retryOnce,
}: {
  src: string;
  alt: string;
  view: View;
  onChange: (update: (v: View) => View) => void;
  retryOnce: (giveUp: () => void) => void;
}) {
  const { t } = useI18n();
  const stageRef = useRef<HTMLDivElement>(null);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const [broken, setBroken] = useState(false);
  const change = useRef(onChange);
  change.current = onChange;

  /** A client point relative to the stage's centre. */
  const fromCentre = useCallback((clientX: number, clientY: number) => {
    const r = stageRef.current?.getBoundingClientRect();
    if (r === undefined) return { x: 0, y: 0 };
    return { x: clientX - r.left - r.width / 2, y: clientY - r.top - r.height / 2 };
  }, []);

  // React's wheel listener is passive; this one must be able to keep the page from scrolling.
  useEffect(() => {
    const stage = stageRef.current;
    if (stage === null) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const at = fromCentre(e.clientX, e.clientY);
      change.current((v) => zoomAt(v, wheelFactor(e.deltaY, e.deltaMode), at));
    };
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => stage.removeEventListener('wheel', onWheel);
  }, [fromCentre]);

  // One pointer drags; two (fingers) pinch, zooming about their midpoint.
  function onPointerDown(e: PointerEvent<HTMLDivElement>) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    e.currentTarget.setPointerCapture?.(e.pointerId);
  }
  function onPointerMove(e: PointerEvent<HTMLDivElement>) {
    const all = pointers.current;
    const from = all.get(e.pointerId);
    if (from === undefined) return;
    const to = { x: e.clientX, y: e.clientY };
    const other = [...all].find(([id]) => id !== e.pointerId)?.[1];
    all.set(e.pointerId, to);
    if (other === undefined) {
      onChange((v) => panBy(v, to.x - from.x, to.y - from.y));
      return;
    }
    const before = Math.hypot(from.x - other.x, from.y - other.y);
    const after = Math.hypot(to.x - other.x, to.y - other.y);
    if (before < 1) return;
    const at = fromCentre((to.x + other.x) / 2, (to.y + other.y) / 2);
    onChange((v) => zoomAt(v, after / before, at));
  }
  function onPointerEnd(e: PointerEvent<HTMLDivElement>) {
    pointers.current.delete(e.pointerId);
  }

  if (broken) return <p className="viewer__download">{t('attach.previewFailed')}</p>;
  return (
    <div
      ref={stageRef}
      className={view.scale > 1 ? 'viewer__stage viewer__stage--zoomed' : 'viewer__stage'}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerEnd}
      onPointerCancel={onPointerEnd}
      onDoubleClick={(e) => {
        const at = fromCentre(e.clientX, e.clientY);
        onChange((v) => (v.scale > 1 ? FIT : zoomAt(v, 2, at)));
      }}
    >
      <img
        className="viewer__img"
        src={src}
        alt={alt}
        draggable={false}
        style={{ transform: transformOf(view) }}
        onError={() => retryOnce(() => setBroken(true))}
      />
    </div>
  );
}
