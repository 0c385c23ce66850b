// The pinyin of display names, so a colleague can be @mentioned the way
// Chinese users type: 王建国 by `wjg`, `wang`, `jianguo` or `wangjianguo`.
//
// The readings come from pinyin-pro (npm, MIT): a well-kept and widely used
// Chinese-to-pinyin library whose dictionary handles polyphonic characters and
// the special readings of surnames (单 shàn, 曾 zēng), which matter for names.
// Its dictionary is large, so it is loaded on first use (the composer asks for
// it) rather than with the app; until then names match by characters and
// usernames only.

import { useEffect, useSyncExternalStore } from 'react';

type PinyinLib = typeof import('pinyin-pro');

let lib: PinyinLib | null = null;
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();

/** Loads the library once; a failed load (offline) may be retried by the next call. */
export function loadPinyin(): Promise<void> {
  loading ??= import('pinyin-pro').then(
    (module) => {
      lib = module;
      for (const l of listeners) l();
    },
    () => {
      loading = null;
    },
  );
  return loading;
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
const isReady = () => lib !== null;

/** Starts loading the library and re-renders once it is there; true when names can be matched by pinyin. */
export function usePinyin(): boolean {
  const ready = useSyncExternalStore(subscribe, isReady, isReady);
  useEffect(() => {
    if (!ready) void loadPinyin();
  }, [ready]);
  return ready;
}

/** Per user: the name the syllables were computed from, and the syllables. */
const memo = new Map<string, { name: string; syllables: readonly string[] }>();

/**
 * The syllables of a display name, lower-case without tones (ü as `v`, as it
 * is typed): 王建国 → wang jian guo. Latin words in a name are kept as words.
 * Undefined until the library is loaded. Memoised per user id (and recomputed
 * when the name changes).
 */
export function nameSyllables(userId: string, displayName: string): readonly string[] | undefined {
  const known = memo.get(userId);
  if (known !== undefined && known.name === displayName) return known.syllables;
  if (lib === null) return undefined;
  const syllables = lib
    .pinyin(displayName, { toneType: 'none', type: 'array', mode: 'surname', surname: 'head', v: true, nonZh: 'consecutive' })
    .flatMap((chunk) => chunk.toLowerCase().split(/[^a-z]+/))
    .filter((s) => s !== '');
  memo.set(userId, { name: displayName, syllables });
  return syllables;
}

/**
 * Whether `query` is spelled by consecutive syllables from `from` on, each
 * giving a non-empty prefix of itself: `wjg`, `wangjg`, `wangjianguo` and
 * `wangj` all spell wang jian guo from 0, `jianguo` from 1.
 */
export function spells(syllables: readonly string[], query: string, from = 0): boolean {
  if (query === '') return true;
  const s = syllables[from];
  if (s === undefined) return false;
  for (let n = Math.min(s.length, query.length); n >= 1; n -= 1) {
    if (s.startsWith(query.slice(0, n)) && spells(syllables, query.slice(n), from + 1)) return true;
  }
  return false;
}

/** `start` when the query spells the name from its first syllable (the surname), `inner` from a later one, else null. */
export function pinyinMatch(syllables: readonly string[], query: string): 'start' | 'inner' | null {
  if (!/^[a-z]+$/.test(query)) return null;
  if (spells(syllables, query, 0)) return 'start';
  for (let i = 1; i < syllables.length; i += 1) if (spells(syllables, query, i)) return 'inner';
  return null;
}
