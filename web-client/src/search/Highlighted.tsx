import { Fragment } from 'react';
import { highlightParts } from './highlight';

/** A search snippet as text, its matches in <mark> elements (never injected HTML). */
export function Highlighted({ text, highlights, className }: { text: string; highlights: readonly (readonly [number, number])[]; className?: string }) {
  return (
    <span className={className}>
      {highlightParts(text, highlights).map((part, i) => (part.mark ? <mark key={i}>{part.text}</mark> : <Fragment key={i}>{part.text}</Fragment>))}
    </span>
  );
}
