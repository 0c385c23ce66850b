import { describe, expect, it } from 'vitest';
import {
  dicomCaption,
  dragHasFiles,
  fileBadge,
  formatFileSize,
  isStale,
  MAX_UPLOAD_BYTES,
  pastedFiles,
  showsAsPicture,
  signedUrlExpiry,
  viewMode,
} from './files';
import { attachment } from './testing';

describe('file sizes', () => {
  it.each([
    [0, '0 B'],
    [812, '812 B'],
    [999, '999 B'],
    [1023, '1 KB'],
    [1024, '1 KB'],
    [2025, '2 KB'],
    [2938, '2.9 KB'],
    [33_956, '33 KB'],
    [1_048_575, '1 MB'],
    [5_452_595, '5.2 MB'],
    [MAX_UPLOAD_BYTES, '100 MB'],
    [3 * 1024 ** 3, '3 GB'],
  ])('%d bytes read %s', (bytes, text) => {
    expect(formatFileSize(bytes, 'en')).toBe(text);
  });

  it('uses the locale for the number and says nothing for nonsense', () => {
    expect(formatFileSize(2938, 'zh-CN')).toBe('2.9 KB');
    expect(formatFileSize(-1, 'en')).toBe('');
    expect(formatFileSize(Number.NaN, 'en')).toBe('');
  });
});

describe('how an attachment is shown', () => {
  it('shows images and DICOM with a preview as pictures, the rest as files', () => {
    expect(showsAsPicture(attachment('a'))).toBe(true);
    expect(showsAsPicture(attachment('b', { kind: 'dicom' }))).toBe(true);
    expect(showsAsPicture(attachment('c', { kind: 'image', preview_url: undefined }))).toBe(false);
    expect(showsAsPicture(attachment('d', { kind: 'pdf' }))).toBe(false);
    expect(showsAsPicture(attachment('e', { kind: 'ecg', preview_url: undefined }))).toBe(false);
  });

  it('opens pictures zoomable, PDFs inline and anything else as a download', () => {
    expect(viewMode(attachment('a'))).toBe('picture');
    expect(viewMode(attachment('b', { kind: 'dicom' }))).toBe('picture');
    expect(viewMode(attachment('c', { kind: 'pdf', preview_url: undefined }))).toBe('pdf');
    expect(viewMode(attachment('d', { kind: 'document', preview_url: undefined }))).toBe('download');
    expect(viewMode(attachment('e', { kind: 'ecg', preview_url: undefined }))).toBe('download');
    expect(viewMode(attachment('f', { kind: 'other', preview_url: undefined }))).toBe('download');
  });

  it('labels a file card with the extension, else the kind', () => {
    expect(fileBadge({ name: 'lab-report.pdf', kind: 'pdf' })).toBe('PDF');
    expect(fileBadge({ name: 'discharge.docx', kind: 'document' })).toBe('DOCX');
    expect(fileBadge({ name: 'ct', kind: 'dicom' })).toBe('DCM');
    expect(fileBadge({ name: '.hidden', kind: 'other' })).toBe('FILE');
    expect(fileBadge({ name: 'x.toolongext', kind: 'ecg' })).toBe('ECG');
  });

  it('captions a DICOM image with its modality and study', () => {
    expect(dicomCaption(attachment('a', { dicom: { modality: 'CT', study_description: '胸部CT平扫', rows: 128, columns: 128, frames: 1 } }))).toBe('CT · 胸部CT平扫');
    expect(dicomCaption(attachment('b', { dicom: { modality: 'XA', rows: 64, columns: 64, frames: 3 } }))).toBe('XA');
    expect(dicomCaption(attachment('c'))).toBe('');
  });
});

describe('signed URLs', () => {
  const now = Date.UTC(2026, 10, 23, 2, 0, 0);
  const at = (ms: number) => `/api/v1/attachments/a/content?u=me&e=${Math.floor(ms / 1000)}&s=sig`;

  it('reads the expiry from the `e` parameter, in seconds or milliseconds', () => {
    expect(signedUrlExpiry(at(now))).toBe(now);
    expect(signedUrlExpiry(`/x?e=${now}`)).toBe(now);
    expect(signedUrlExpiry('/x?u=me&s=sig')).toBeUndefined();
    expect(signedUrlExpiry('/x?e=soon')).toBeUndefined();
    expect(signedUrlExpiry('/x')).toBeUndefined();
    expect(signedUrlExpiry(undefined)).toBeUndefined();
  });

  it('is stale within a minute of expiring; unknown expiry is never stale (a failed load renews it)', () => {
    expect(isStale(at(now + 10 * 60_000), now)).toBe(false);
    expect(isStale(at(now + 30_000), now)).toBe(true);
    expect(isStale(at(now - 1000), now)).toBe(true);
    expect(isStale('/x?u=me', now)).toBe(false);
  });
});

function transfer(files: File[], text = '', types: string[] = files.length > 0 ? ['Files'] : []) {
  return { files: files as unknown as FileList, types, getData: (type: string) => (type === 'text/plain' ? text : '') };
}

describe('pasting and dropping', () => {
  const png = new File([new Uint8Array([137, 80, 78, 71])], 'image.png', { type: 'image/png' });

  it('takes a pasted image', () => {
    expect(pastedFiles(transfer([png]))).toEqual([png]);
  });

  it('leaves a paste with text to the text box (a copied spreadsheet carries a picture of itself)', () => {
    expect(pastedFiles(transfer([png], '肌钙蛋白I\t0.52'))).toEqual([]);
    expect(pastedFiles(transfer([], 'hello'))).toEqual([]);
    expect(pastedFiles(null)).toEqual([]);
  });

  it('reacts only to drags that carry files', () => {
    expect(dragHasFiles(transfer([png]))).toBe(true);
    expect(dragHasFiles(transfer([], '', ['text/plain', 'text/uri-list']))).toBe(false);
    expect(dragHasFiles(null)).toBe(false);
  });
});
