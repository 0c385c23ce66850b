// Small pure facts about case materials (SPEC §6): how big a file reads, which
// ones show as a picture, and whether a signed URL is about to run out.

import type { AttachmentDto } from '../api/types';
import type { Locale } from '../i18n';

/** At most this many files go with one message (SPEC §6). */
export const MAX_ATTACHMENTS = 20;

/** The server's default ATTACHMENT_MAX_BYTES (100 MiB); larger files are refused before uploading. */
export const MAX_UPLOAD_BYTES = 104_857_600;

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * "812 B", "2.9 KB", "33 KB", "100 MB": binary units (1 KB = 1024 B, as file
 * managers show them), the next unit from 1000 on (no "1,023 KB"), one
 * decimal below 10, in the user's number format.
 */
export function formatFileSize(bytes: number, locale: Locale): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  const number = new Intl.NumberFormat(locale === 'zh-CN' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: digits }).format(value);
  return `${number} ${UNITS[unit]}`;
}

/** Whether the attachment is shown as a picture (a thumbnail of its preview) rather than a file card. */
export function showsAsPicture(a: Pick<AttachmentDto, 'kind' | 'preview_url'>): boolean {
  return a.preview_url !== undefined && a.preview_url !== '' && (a.kind === 'image' || a.kind === 'dicom' || a.kind === 'ecg');
}

/** How the viewer shows it: a zoomable picture, the PDF inline, or a download. */
export type ViewMode = 'picture' | 'pdf' | 'download';

export function viewMode(a: Pick<AttachmentDto, 'kind' | 'preview_url'>): ViewMode {
  if (showsAsPicture(a)) return 'picture';
  if (a.kind === 'pdf') return 'pdf';
  return 'download';
}

/**
 * The short label on a file card's icon: the name's extension ("PDF", "DOCX",
 * "DCM"), else one for the kind. Decorative: the kind is also said in words.
 */
export function fileBadge(a: Pick<AttachmentDto, 'kind' | 'name'>): string {
  const dot = a.name.lastIndexOf('.');
  const ext = dot > 0 ? a.name.slice(dot + 1) : '';
  if (/^[A-Za-z0-9]{1,5}$/.test(ext)) return ext.toUpperCase();
  switch (a.kind) {
    case 'image':
      return 'IMG';
    case 'pdf':
      return 'PDF';
    case 'dicom':
      return 'DCM';
    case 'ecg':
      return 'ECG';
    case 'document':
      return 'DOC';
    default:
      return 'FILE';
  }
}

/** "CT · 胸部CT平扫": what a DICOM file says it shows, for its caption; empty for other files. */
export function dicomCaption(a: Pick<AttachmentDto, 'dicom'>): string {
  const d = a.dicom;
  if (d === undefined) return '';
  return [d.modality, d.study_description].filter((x): x is string => x !== undefined && x.trim() !== '').join(' · ');
}

/**
 * When a signed URL runs out (ms since epoch), read from its `e` parameter
 * (seconds, or milliseconds when that large); undefined when it does not say.
 */
export function signedUrlExpiry(url: string | undefined): number | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const raw = new URLSearchParams(url.slice(query + 1)).get('e');
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n > 1e12 ? n : n * 1000;
}

/** True when the URL is known to expire within `marginMs` (so fetch a fresh one before using it). */
export function isStale(url: string | undefined, now = Date.now(), marginMs = 60_000): boolean {
  const expiry = signedUrlExpiry(url);
  return expiry !== undefined && expiry - now < marginMs;
}

/** The files of a paste: only when the clipboard holds no text (a copied spreadsheet also carries a picture of itself). */
export function pastedFiles(data: Pick<DataTransfer, 'files' | 'getData'> | null): File[] {
  if (data === null) return [];
  const files = [...data.files];
  if (files.length === 0) return [];
  return data.getData('text/plain') === '' ? files : [];
}

/** Whether a drag carries files (not text or a link dragged within the page). */
export function dragHasFiles(data: Pick<DataTransfer, 'types'> | null): boolean {
  return data !== null && [...data.types].includes('Files');
}
