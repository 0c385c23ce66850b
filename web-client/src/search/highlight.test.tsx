// @vitest-environment jsdom
// Marks from the server's UTF-16 offsets: plain text, Chinese, emoji (two code
// units each), overlapping and out-of-range ranges, and never any HTML.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it } from 'vitest';
import { highlightParts } from './highlight';
import { Highlighted } from './Highlighted';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

const marked = (text: string, ranges: [number, number][]) =>
  highlightParts(text, ranges)
    .filter((p) => p.mark)
    .map((p) => p.text);

describe('highlightParts', () => {
  it('cuts English text at the offsets', () => {
    expect(highlightParts('High troponin today', [[5, 13]])).toEqual([
      { text: 'High ', mark: false },
      { text: 'troponin', mark: true },
      { text: ' today', mark: false },
    ]);
  });

  it('marks Chinese text by JavaScript string indices', () => {
    const text = '复查肌钙蛋白 0.8 ng/ml，较前升高';
    const start = text.indexOf('肌钙蛋白');
    expect(marked(text, [[start, start + 4]])).toEqual(['肌钙蛋白']);
  });

  it('counts an emoji as two code units, as the server does', () => {
    const text = '🫀 肌钙蛋白 ↑ 🚑 troponin';
    // 🫀 and 🚑 are two UTF-16 units each: 肌 starts at 3, troponin at 13.
    expect(marked(text, [[3, 7], [13, 21]])).toEqual(['肌钙蛋白', 'troponin']);
  });

  it('never splits an emoji or a rare character in half', () => {
    expect(marked('a🚑b', [[2, 4]])).toEqual(['🚑b']);
    expect(marked('a🚑b', [[0, 2]])).toEqual(['a🚑']);
    expect(marked('𠀀字', [[1, 3]])).toEqual(['𠀀字']);
  });

  it('merges overlapping and touching ranges, in any order', () => {
    expect(marked('abcdefgh', [[4, 6], [0, 2], [1, 3], [6, 7]])).toEqual(['abc', 'efg']);
  });

  it('clamps ranges past the end and drops empty or reversed ones', () => {
    expect(marked('短文本', [[1, 99]])).toEqual(['文本']);
    expect(marked('短文本', [[2, 2], [3, 1], [-5, 1]])).toEqual(['短']);
    expect(highlightParts('', [[0, 3]])).toEqual([]);
    expect(highlightParts('plain', [])).toEqual([{ text: 'plain', mark: false }]);
  });
});

describe('<Highlighted>', () => {
  it('renders <mark> elements and keeps markup in the snippet as text', () => {
    globalThis.IS_REACT_ACT_ENVIRONMENT = true;
    const container = document.createElement('div');
    const root = createRoot(container);
    const text = '<img src=x onerror=alert(1)> 肌钙蛋白 0.8';
    const start = text.indexOf('肌钙蛋白');
    act(() => root.render(<Highlighted text={text} highlights={[[start, start + 4]]} />));
    expect([...container.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['肌钙蛋白']);
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toBe(text);
    act(() => root.unmount());
  });
});
