// @vitest-environment jsdom
// The deadline badge turns overdue on screen at the due time, by itself.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLocale } from '../i18n';
import { DeadlineBadge } from './Deadline';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

let container: HTMLElement;
let root: Root;
const NOW = Date.parse('2026-12-05T08:00:00Z');

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  setLocale('zh-CN');
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.useRealTimers();
});

const badge = () => container.querySelector('.deadline');
const shown = () => badge()?.querySelector('.deadline__text')?.textContent;

describe('DeadlineBadge', () => {
  it('counts down, then says overdue in words when the due time passes, and keeps counting', () => {
    const due = new Date(NOW + 90_000).toISOString();
    act(() => root.render(<DeadlineBadge dueAt={due} />));
    expect(shown()).toBe('剩余 2 分钟');
    expect(badge()?.getAttribute('data-overdue')).toBe('false');

    act(() => vi.advanceTimersByTime(30_100));
    expect(shown()).toBe('剩余 1 分钟');
    act(() => vi.advanceTimersByTime(60_000));
    expect(shown()).toBe('已超时');
    expect(badge()?.className).toContain('deadline--overdue');
    act(() => vi.advanceTimersByTime(12 * 60_000));
    expect(shown()).toBe('已超时 12 分钟');
    expect(badge()?.getAttribute('title')).toMatch(/^截止时间：/);
  });

  it('shows nothing without a due time', () => {
    act(() => root.render(<DeadlineBadge dueAt={undefined} />));
    expect(container.innerHTML).toBe('');
  });
});
