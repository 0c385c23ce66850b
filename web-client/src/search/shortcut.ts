// The keyboard shortcut that opens search from anywhere: Ctrl+K, and ⌘+K on a Mac.

/** The parts of a keyboard event the shortcut looks at. */
export interface KeyChord {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** Ctrl+K or ⌘+K, without Alt or Shift (any keyboard layout that types a K). */
export function isSearchShortcut(e: KeyChord): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k';
}

/** How to write the shortcut for this platform: ⌘K on Apple devices, Ctrl+K elsewhere. */
export function shortcutLabel(platform: string): string {
  return /mac|iphone|ipad|ipod/i.test(platform) ? '⌘K' : 'Ctrl+K';
}
