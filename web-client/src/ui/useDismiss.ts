// Closing a popover the way people expect: a press anywhere outside it, or
// Escape wherever the focus is (but not Escape that ends an IME composition,
// which a Chinese typist presses to cancel a candidate list).

import { useEffect, type RefObject } from 'react';

/**
 * While `open`, calls `close(false)` on a pointer press outside `ref` and
 * `close(true)` on Escape (true: the keyboard closed it, so focus returns to
 * the trigger).
 */
export function useDismiss(open: boolean, ref: RefObject<HTMLElement | null>, close: (byKey: boolean) => void): void {
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (event.target instanceof Node && ref.current?.contains(event.target)) return;
      close(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.isComposing) close(true);
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open, ref, close]);
}
