// @vitest-environment jsdom
// The connection indicator and the refused-socket explanation as a person sees
// them: their text and roles in each state, in both languages.
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLocale, translate } from '../i18n';
import type { ConnectionStatus } from '../realtime/store';
import { ConnectionIndicator, connectionLabelKey, RefusedNotice } from './ConnectionStatus';

declare global {
  // React checks this to allow act() outside a test renderer.
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

function render(node: ReactNode): void {
  act(() => root.render(node));
}

const buttons = () => [...container.querySelectorAll('button')].map((b) => b.textContent);

describe('connection indicator', () => {
  it.each<[ConnectionStatus, string]>([
    ['connected', 'Connected'],
    ['connecting', 'Connecting…'],
    ['idle', 'Connecting…'],
    ['reconnecting', 'Reconnecting…'],
    ['offline', 'Offline'],
  ])('%s shows %j', (status, text) => {
    render(<ConnectionIndicator status={status} onRetry={() => {}} />);
    const indicator = container.querySelector('[role="status"]');
    expect(indicator?.getAttribute('data-status')).toBe(status);
    expect(indicator?.textContent).toContain(text);
  });

  it('says "connected" for no other status', () => {
    const statuses: ConnectionStatus[] = ['idle', 'connecting', 'reconnecting', 'offline', 'signed_out'];
    for (const status of statuses) expect(connectionLabelKey(status)).not.toBe('connection.connected');
  });

  it('offers a retry while reconnecting or offline, not while connected', () => {
    const onRetry = vi.fn();
    render(<ConnectionIndicator status="connected" onRetry={onRetry} />);
    expect(buttons()).toEqual([]);
    for (const status of ['reconnecting', 'offline'] as const) {
      render(<ConnectionIndicator status={status} onRetry={onRetry} />);
      expect(buttons()).toEqual(['Retry now']);
    }
    act(() => container.querySelector('button')?.click());
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('speaks Chinese to a Chinese reader', () => {
    setLocale('zh-CN');
    render(<ConnectionIndicator status="offline" onRetry={() => {}} />);
    expect(container.textContent).toContain('网络已断开');
    expect(container.textContent).toContain('立即重试');
  });
});

describe('refused connection notice', () => {
  it('explains the refusal, what an operator can check, and offers a retry', () => {
    const onRetry = vi.fn();
    render(<RefusedNotice refused={{ closeReason: null }} origin="http://ward.example:5173" onRetry={onRetry} />);
    const alert = container.querySelector('[role="alert"]');
    expect(alert?.querySelector('h2')?.textContent).toBe(translate('en', 'connection.refused.title'));
    expect(alert?.textContent).toContain('ALLOWED_ORIGINS includes http://ward.example:5173');
    expect(alert?.textContent).toContain('BIND_ADDR');
    act(() => container.querySelector('button')?.click());
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('names the server\'s close reason in the reader\'s language, never the raw word', () => {
    setLocale('zh-CN');
    render(<RefusedNotice refused={{ closeReason: 'invalid_token' }} origin="http://127.0.0.1:8080" onRetry={() => {}} />);
    const text = container.textContent ?? '';
    expect(text).toContain('服务器拒绝了实时连接');
    expect(text).toContain(`服务器给出的原因：${translate('zh-CN', 'connection.closed.invalid_token')}`);
    expect(text).not.toContain('invalid_token');
    expect(buttons()).toEqual(['重新尝试连接']);
  });
});
