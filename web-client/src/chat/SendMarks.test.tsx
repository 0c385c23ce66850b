// @vitest-environment jsdom
// The composer's urgency and acknowledgement choices as a person uses them
// (rendered from plain props, no server).
import { act, createRef, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLocale } from '../i18n';
import { isMarked, MarksPanel, MarksSummary, MarksToggle, NO_MARKS, type Marks } from './SendMarks';

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
  setLocale('zh-CN');
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

function render(node: ReactNode): void {
  act(() => root.render(node));
}

const labelled = (text: string) =>
  [...container.querySelectorAll('label')].find((l) => l.textContent?.trim() === text)?.querySelector('input') ?? null;

describe('the marks panel', () => {
  it('offers 普通/紧急/危急 and 需要确认, and reports each choice', () => {
    const onChange = vi.fn();
    render(<MarksPanel id="m" marks={NO_MARKS} onChange={onChange} onClose={() => {}} />);
    expect(container.querySelector('[role=group]')?.getAttribute('aria-label')).toBe('紧急程度与确认');
    expect(container.querySelector('legend')?.textContent).toBe('紧急程度');
    expect(labelled('普通')?.checked).toBe(true);
    expect(document.activeElement).toBe(labelled('普通'));

    act(() => labelled('危急')!.click());
    expect(onChange).toHaveBeenLastCalledWith({ priority: 'emergency', ackRequired: false });
    act(() => labelled('需要确认')!.click());
    expect(onChange).toHaveBeenLastCalledWith({ priority: 'normal', ackRequired: true });
  });

  it('closes on Escape and on Done', () => {
    const onClose = vi.fn();
    render(<MarksPanel id="m" marks={{ priority: 'urgent', ackRequired: true }} onChange={() => {}} onClose={onClose} />);
    act(() => labelled('紧急')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    act(() => [...container.querySelectorAll('button')].find((b) => b.textContent === '完成')!.click());
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});

describe('the toggle and the summary', () => {
  it('names the toggle and says whether the choices are open', () => {
    render(<MarksToggle marks={NO_MARKS} open={false} panelId="m" onToggle={() => {}} buttonRef={createRef()} />);
    const button = container.querySelector('button')!;
    expect(button.getAttribute('aria-label')).toBe('紧急程度与确认');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(button.getAttribute('aria-controls')).toBe('m');
  });

  it('spells out what the next message will be, in words, and clears it', () => {
    const marks: Marks = { priority: 'emergency', ackRequired: true };
    const onClear = vi.fn();
    render(<MarksSummary marks={marks} onClear={onClear} />);
    expect(container.textContent).toContain('本条消息标记为：');
    expect(container.textContent).toContain('危急');
    expect(container.textContent).toContain('需要确认');
    act(() => container.querySelector('button')!.click());
    expect(onClear).toHaveBeenCalled();
    act(() => setLocale('en'));
    expect(container.textContent).toContain('Emergency');
    expect(container.textContent).toContain('Require acknowledgement');
  });

  it('counts as marked when urgent, emergency or asking for acknowledgement', () => {
    expect(isMarked(NO_MARKS)).toBe(false);
    expect(isMarked({ priority: 'urgent', ackRequired: false })).toBe(true);
    expect(isMarked({ priority: 'normal', ackRequired: true })).toBe(true);
  });
});
