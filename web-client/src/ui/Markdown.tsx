import { useMemo } from 'react';
import { renderMarkdown } from './markdown';

/** A Markdown body, sanitized (see markdown.ts). */
export function Markdown({ source, className }: { source: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  return <div className={className === undefined ? 'markdown' : `markdown ${className}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
