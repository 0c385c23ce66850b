// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

function render(source: string): HTMLElement {
  const host = document.createElement('div');
  host.innerHTML = renderMarkdown(source);
  return host;
}

describe('renderMarkdown', () => {
  it('renders ordinary Markdown', () => {
    const host = render('**急诊** PCI\n\n- 阿司匹林\n- 替格瑞洛');
    expect(host.querySelector('strong')?.textContent).toBe('急诊');
    expect(host.querySelectorAll('li')).toHaveLength(2);
  });

  it('keeps a <script> body inert: shown as text, never an element', () => {
    (window as unknown as { pwned?: boolean }).pwned = false;
    const host = render('<script>window.pwned = true</script>');
    document.body.append(host);
    expect(host.querySelector('script')).toBeNull();
    expect(host.textContent).toContain('<script>window.pwned = true</script>');
    expect((window as unknown as { pwned?: boolean }).pwned).toBe(false);
    host.remove();
  });

  it('drops event handlers such as onerror', () => {
    const host = render('<img src=x onerror="alert(1)"> and <a href="#" onclick="alert(2)">x</a>');
    for (const el of host.querySelectorAll('*')) {
      for (const attr of el.attributes) expect(attr.name.startsWith('on'), attr.name).toBe(false);
    }
    expect(host.querySelector('img')).toBeNull();
  });

  it('refuses javascript: links from Markdown syntax', () => {
    const host = render('[click](javascript:alert(1)) [data](data:text/html,hi)');
    for (const a of host.querySelectorAll('a')) {
      expect(a.getAttribute('href') ?? '').not.toMatch(/^(javascript|data):/i);
    }
  });

  it('opens links in a new tab without an opener', () => {
    const a = render('[指南](https://example.org/guide)').querySelector('a');
    expect(a?.getAttribute('target')).toBe('_blank');
    expect(a?.getAttribute('rel')).toContain('noopener');
  });

  it('highlights @mentions but not e-mail addresses', () => {
    const host = render('请 @zhangwei 会诊，邮件 a@example.com');
    expect([...host.querySelectorAll('.mention')].map((m) => m.textContent)).toEqual(['@zhangwei']);
  });
});
