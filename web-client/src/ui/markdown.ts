// Message bodies and case summaries are Markdown written by other people, so
// they are rendered defensively: raw HTML in the source is shown as text (not
// parsed), and the HTML that Markdown produces is sanitized by DOMPurify with
// a short allow-list, so no script, event handler, style or javascript: URL
// can come out of a message.

import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // Raw HTML blocks and inline tags are printed, not interpreted.
    html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
    // Images would let a message load third-party URLs (tracking); show them as links.
    image: (token: Tokens.Image) => `<a href="${escapeHtml(token.href)}">${escapeHtml(token.text || token.href)}</a>`,
  },
});

const ALLOWED_TAGS = [
  'a', 'p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span', 'input',
];

let hooked = false;
function purifier() {
  if (!hooked) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
      if (node.tagName === 'INPUT' && node.getAttribute('type') !== 'checkbox') node.remove();
    });
    hooked = true;
  }
  return DOMPurify;
}

/** Safe HTML for a Markdown body, with `@username` mentions highlighted. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string;
  const withMentions = html.replace(
    /(^|[^A-Za-z0-9_&/"'=])@([a-z0-9_][a-z0-9_.-]{1,30}[a-z0-9_])(?![^<]*>)/g,
    '$1<span class="mention">@$2</span>',
  );
  return purifier().sanitize(withMentions, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'class', 'type', 'checked', 'disabled', 'start', 'align'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|tel:|#|\/)/i,
  });
}
