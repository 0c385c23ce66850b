// @vitest-environment jsdom
// useAsync's `apply`: a live change is applied to loaded data, and turns into
// a reload when there is nothing to apply it to, when a load is under way, or
// when the change cannot be told from the event.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAsync, type Async } from './useAsync';

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
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

/** Renders a component using useAsync over a load the test resolves by hand. */
function mount() {
  const calls: ((value: string[]) => void)[] = [];
  let current: Async<string[]> | undefined;
  function Probe() {
    current = useAsync(() => new Promise<string[]>((resolve) => calls.push(resolve)), []);
    return <p>{current.data?.join(',') ?? 'loading'}</p>;
  }
  act(() => root.render(<Probe />));
  const async = () => {
    if (current === undefined) throw new Error('not rendered');
    return current;
  };
  const answer = async (value: string[]) => {
    await act(async () => calls[calls.length - 1]?.(value));
  };
  return { calls, async, answer, text: () => container.textContent };
}

describe('useAsync apply', () => {
  it('applies a change to loaded data without loading again', async () => {
    const { calls, async, answer, text } = mount();
    await answer(['a']);
    act(() => async().apply((list) => [...list, 'b']));
    expect(text()).toBe('a,b');
    expect(calls).toHaveLength(1);
  });

  it('chains changes applied before a re-render', async () => {
    const { async, answer, text } = mount();
    await answer(['a']);
    act(() => {
      async().apply((list) => [...list, 'b']);
      async().apply((list) => [...list, 'c']);
    });
    expect(text()).toBe('a,b,c');
  });

  it('loads again when the change cannot be told, or when nothing is loaded yet', async () => {
    const { calls, async, answer, text } = mount();
    act(() => async().apply((list) => [...list, 'b']));
    expect(calls).toHaveLength(2);
    await answer(['a', 'b']);
    act(() => async().apply(() => undefined));
    expect(calls).toHaveLength(3);
    await answer(['fresh']);
    expect(text()).toBe('fresh');
  });

  it('loads again instead while a load is under way, whose answer would replace the change', async () => {
    const { calls, async, answer, text } = mount();
    await answer(['a']);
    act(() => async().reload());
    expect(calls).toHaveLength(2);
    act(() => async().apply((list) => [...list, 'b']));
    expect(calls).toHaveLength(3);
    await answer(['a', 'b']);
    expect(text()).toBe('a,b');
  });

  it('changes nothing when the change returns the same data', async () => {
    const { calls, async, answer, text } = mount();
    await answer(['a']);
    act(() => async().apply((list) => list));
    expect(text()).toBe('a');
    expect(calls).toHaveLength(1);
  });
});
