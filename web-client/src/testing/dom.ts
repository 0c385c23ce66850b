// The set-up every component test in jsdom repeats: a fresh React root in a
// container on the page for each test, the zh-CN locale, and mocks restored
// afterwards. Call useTestRoot() once at the top level of a test file (it
// registers the beforeEach and afterEach) and read `dom.container` and
// `dom.root` inside the tests; a file's own hooks run after these.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, vi } from 'vitest';
import { setLocale } from '../i18n';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

export interface TestRoot {
  container: HTMLElement;
  root: Root;
}

export function useTestRoot(): TestRoot {
  const dom = {} as TestRoot;
  beforeEach(() => {
    globalThis.IS_REACT_ACT_ENVIRONMENT = true;
    dom.container = document.createElement('div');
    document.body.append(dom.container);
    dom.root = createRoot(dom.container);
    setLocale('zh-CN');
  });
  afterEach(() => {
    act(() => dom.root.unmount());
    dom.container.remove();
    vi.restoreAllMocks();
  });
  return dom;
}

/** Lets pending promises, and the renders they cause, settle. */
export async function flush(): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}
