// The emoji a reaction may use (SPEC §8), in the order the picker shows them:
// a small fixed palette, as clinical messengers offer, so reactions stay
// professional. 收到 ("received") is the WeChat-style acknowledgement and shows
// as a text chip. The server keeps the same list (shared/src/chat.rs,
// REACTION_PALETTE); a Rust unit test parses this file and compares the two,
// so keep one quoted entry per line.
export const REACTION_PALETTE = [
  "收到",
  "👍",
  "✅",
  "❤️",
  "🙏",
  "👌",
  "👏",
  "💪",
  "🎉",
  "😄",
  "😮",
  "😢",
  "🤔",
  "👀",
  "❓",
  "‼️",
  "🌹",
  "🤝",
  "💯",
  "☕",
  "📌",
  "⏰",
  "🙌",
  "👋",
] as const;

export type ReactionEmoji = (typeof REACTION_PALETTE)[number];

/** At most this many different emoji on one message (the server refuses more). */
export const MAX_REACTIONS_PER_MESSAGE = 20;

/** Whether an emoji is in the palette. */
export function isPaletteEmoji(value: string): value is ReactionEmoji {
  return (REACTION_PALETTE as readonly string[]).includes(value);
}

/** Whether it is a word rather than a pictogram (收到), drawn as a text chip. */
export function isTextReaction(emoji: string): boolean {
  return /\p{Script=Han}/u.test(emoji);
}
