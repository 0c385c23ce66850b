// The matches of a search hit, marked without ever parsing HTML: the server
// sends a plain `snippet` and `highlights`, `[start, end)` offsets in UTF-16
// code units (JavaScript string indices), and the snippet is cut into plain
// and marked parts here, which React renders as text and <mark> elements.

/** A run of the snippet, marked when it is (part of) a match. */
export interface HighlightPart {
  text: string;
  mark: boolean;
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Moves an offset that falls between the two halves of a surrogate pair (an emoji, a rare CJK character) outwards. */
function snap(text: string, offset: number, towards: 'start' | 'end'): number {
  if (offset <= 0 || offset >= text.length) return offset;
  if (isHigh(text.charCodeAt(offset - 1)) && isLow(text.charCodeAt(offset))) return towards === 'start' ? offset - 1 : offset + 1;
  return offset;
}

/**
 * Splits `text` into plain and marked parts. Offsets out of range are
 * clamped, empty or reversed ranges dropped, overlapping or touching ones
 * merged, and a range never splits a character written with two code units.
 */
export function highlightParts(text: string, highlights: readonly (readonly [number, number])[]): HighlightPart[] {
  const ranges = highlights
    .map(([s, e]) => [snap(text, Math.max(0, Math.min(s, text.length)), 'start'), snap(text, Math.max(0, Math.min(e, text.length)), 'end')] as const)
    .filter(([s, e]) => Number.isFinite(s) && Number.isFinite(e) && e > s)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const parts: HighlightPart[] = [];
  let at = 0;
  for (const [s, e] of merged) {
    if (s > at) parts.push({ text: text.slice(at, s), mark: false });
    parts.push({ text: text.slice(s, e), mark: true });
    at = e;
  }
  if (at < text.length) parts.push({ text: text.slice(at), mark: false });
  return parts;
}
