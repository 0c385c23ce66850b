// When a message body is long enough to fold (SPEC §8 everyday messaging): a
// wall of text pushes the rest of the conversation off screen, so more than
// about 12 lines or 800 characters shows folded, with "Show more".

export const FOLD_LINES = 12;
export const FOLD_CHARS = 800;

/** Whether a body is folded until the reader asks for the rest. */
export function isLongBody(body: string): boolean {
  return body.split('\n').length > FOLD_LINES || [...body].length > FOLD_CHARS;
}
