// @vitest-environment jsdom
// A message's files and the viewer as a person uses them: thumbnails and file
// cards by name, a dialog named by the file, zoom, Escape, downloads.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n';
import { AttachmentGallery } from './Attachments';
import { attachment } from './testing';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

let container: HTMLElement;
let root: Root;

beforeEach(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  setLocale('en');
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const wound = attachment('img-1', { name: 'wound.png' });
const ct = attachment('dcm-1', {
  name: 'ct-small.dcm',
  kind: 'dicom',
  content_type: 'application/dicom',
  size: 33_956,
  dicom: { modality: 'CT', study_description: '胸部CT平扫', series_description: 'Chest 5mm', rows: 128, columns: 128, frames: 1 },
});
const pdf = attachment('pdf-1', { name: 'lab-report.pdf', kind: 'pdf', content_type: 'application/pdf', size: 2025, preview_url: undefined });
const docx = attachment('doc-1', { name: 'discharge.docx', kind: 'document', size: 1186, preview_url: undefined });

function button(name: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent) === name);
  if (found === undefined) throw new Error(`no button ${name}`);
  return found;
}

const dialog = () => document.querySelector<HTMLElement>('[role="dialog"]');
const dialogName = () => {
  const d = dialog();
  return d === null ? null : document.getElementById(d.getAttribute('aria-labelledby') ?? '')?.textContent;
};

function render() {
  act(() => root.render(<AttachmentGallery attachments={[wound, ct, pdf, docx]} />));
}

describe('the files of a message', () => {
  it('shows pictures as thumbnails named by the file, DICOM with modality and study, others as cards with kind and size', () => {
    render();
    const list = container.querySelector('ul[aria-label="Attached files"]');
    expect(list?.querySelectorAll('li')).toHaveLength(4);
    const img = container.querySelector<HTMLImageElement>('img[alt="wound.png"]');
    expect(img?.getAttribute('src')).toBe(wound.preview_url);
    expect(button('Open ct-small.dcm').textContent).toContain('CT · 胸部CT平扫');
    expect(button('Open lab-report.pdf').textContent).toContain('lab-report.pdf');
    expect(button('Open lab-report.pdf').textContent).toContain('PDF · 2 KB');
    const download = container.querySelector<HTMLAnchorElement>('a[aria-label="Download discharge.docx"]');
    expect(download?.getAttribute('href')).toBe(docx.content_url);
    expect(download?.getAttribute('download')).toBe('discharge.docx');
  });

  it('opens a picture in a dialog named by the file; zooms with buttons and the wheel; Escape closes and gives the focus back', () => {
    render();
    const thumb = button('Open wound.png');
    thumb.focus();
    act(() => thumb.click());
    expect(dialog()?.getAttribute('aria-modal')).toBe('true');
    expect(dialogName()).toBe('wound.png');
    const img = dialog()?.querySelector<HTMLImageElement>('img[alt="wound.png"]');
    expect(img?.getAttribute('src')).toBe(wound.preview_url);
    expect(document.activeElement?.textContent).toBe('Close');

    const percent = () => dialog()?.querySelector('.viewer__percent [aria-hidden]')?.textContent;
    expect(percent()).toBe('100%');
    act(() => button('Zoom in').click());
    expect(percent()).toBe('125%');
    expect(img?.style.transform).toBe('translate(0px, 0px) scale(1.25)');
    act(() => button('Zoom out').click());
    act(() => button('Zoom out').click());
    expect(percent()).toBe('80%');
    act(() => button('Fit to window').click());
    expect(percent()).toBe('100%');
    act(() => {
      dialog()?.querySelector('.viewer__stage')?.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, bubbles: true, cancelable: true }));
    });
    expect(Number.parseInt(percent() ?? '', 10)).toBeGreaterThan(100);

    act(() => {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(dialog()).toBeNull();
    expect(document.activeElement).toBe(thumb);
  });

  it('shows DICOM details in the viewer', () => {
    render();
    act(() => button('Open ct-small.dcm').click());
    expect(dialogName()).toBe('ct-small.dcm');
    const details = dialog()?.querySelector('dl')?.textContent ?? '';
    expect(details).toContain('CT');
    expect(details).toContain('胸部CT平扫');
    expect(details).toContain('Chest 5mm');
    expect(details).toContain('128 × 128');
    act(() => button('Close').click());
    expect(dialog()).toBeNull();
  });

  it('shows a PDF inline, and offers anything else as a download', () => {
    render();
    act(() => button('Open lab-report.pdf').click());
    const frame = dialog()?.querySelector('iframe');
    expect(frame?.getAttribute('src')).toBe(pdf.content_url);
    expect(frame?.getAttribute('title')).toBe('lab-report.pdf');
    act(() => button('Close').click());

    act(() => button('Open discharge.docx').click());
    expect(dialogName()).toBe('discharge.docx');
    expect(dialog()?.textContent).toContain('This file cannot be shown here. Download it to open it.');
    const links = dialog()?.querySelectorAll<HTMLAnchorElement>('a[download]') ?? [];
    expect([...links].map((a) => [a.getAttribute('href'), a.getAttribute('download'), a.textContent])).toEqual([[docx.content_url, 'discharge.docx', 'Download']]);
  });

  it('shows nothing for a message without files', () => {
    act(() => root.render(<AttachmentGallery attachments={[]} />));
    expect(container.innerHTML).toBe('');
  });
});
