// Search from anywhere (SPEC §8): a button in the header, and Ctrl+K / ⌘+K,
// open a panel with the search field focused; Escape, a click elsewhere or
// following a result closes it. The panel keeps its query while closed, so
// reopening it shows the last results again.

import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/useI18n';
import { useDismiss } from '../ui/useDismiss';
import { SearchPanel, type SearchScope } from './SearchPanel';
import { isSearchShortcut, shortcutLabel } from './shortcut';

export function SearchBox({ scope }: { scope: SearchScope | undefined }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [inScope, setInScope] = useState(false);
  const wrapperRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const panelId = useId();
  const shortcut = shortcutLabel(typeof navigator === 'undefined' ? '' : navigator.platform);

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  }, []);
  const focusInput = useCallback(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  // Ctrl+K / ⌘+K anywhere, also while typing in another field (the browser's own Ctrl+K is kept from it).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isSearchShortcut(event) || event.isComposing) return;
      event.preventDefault();
      setOpen(true);
      focusInput();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [focusInput]);

  // The field takes the focus when the panel opens, before it is painted:
  // the first key typed after Ctrl+K must land in it.
  useLayoutEffect(() => {
    if (open) focusInput();
  }, [open, focusInput]);

  // "In this conversation" is about the conversation it was opened from: off again elsewhere.
  const scopeId = scope?.conversationId;
  useEffect(() => setInScope(false), [scopeId]);

  // Close on a click elsewhere, and on Escape wherever the focus is.
  useDismiss(open, wrapperRef, close);

  const label = t('search.openHint', { shortcut });
  return (
    <div className="search" ref={wrapperRef}>
      <button
        ref={buttonRef}
        type="button"
        className="search__trigger"
        aria-label={label}
        title={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-keyshortcuts="Control+K Meta+K"
        onClick={() => (open ? close(false) : setOpen(true))}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M10 2a8 8 0 0 1 6.32 12.9l5.39 5.4-1.41 1.4-5.4-5.38A8 8 0 1 1 10 2Zm0 2a6 6 0 1 0 0 12 6 6 0 0 0 0-12Z"
          />
        </svg>
        <span className="search__trigger-text" aria-hidden="true">
          {t('search.open')}
        </span>
        <kbd className="search__kbd" aria-hidden="true">
          {shortcut}
        </kbd>
      </button>
      {open && (
        <SearchPanel
          id={panelId}
          inputRef={inputRef}
          text={text}
          onText={setText}
          scope={scope}
          inScope={inScope && scope !== undefined}
          onInScope={setInScope}
          onNavigate={() => close(false)}
          onClose={() => close(true)}
        />
      )}
    </div>
  );
}
