import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ReactionDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtimeStore } from '../realtime/context';
import { rest } from '../session';
import { joinNames } from '../ui/format';
import { knownUser, useUsersVersion } from '../users/cache';
import { isTextReaction, REACTION_PALETTE } from './palette';

/**
 * Toggles my reaction on a message: shown at once, sent with PUT or DELETE
 * …/reactions/{emoji}, put back (and the refusal reported) when the server says no.
 */
export function useReactionToggle(conversationId: string, onError: (error: unknown) => void) {
  const store = useRealtimeStore();
  return useCallback(
    (seq: number, emoji: string, added: boolean) => {
      store.applyOwnReaction(conversationId, seq, emoji, added);
      rest.react(conversationId, seq, emoji, added).catch((failure: unknown) => {
        store.applyOwnReaction(conversationId, seq, emoji, !added);
        onError(failure);
      });
    },
    [conversationId, onError, store],
  );
}

/** 收到 and the like are words: drawn as a text chip rather than a pictogram. */
function Emoji({ emoji }: { emoji: string }) {
  return <span className={isTextReaction(emoji) ? 'reaction__emoji reaction__emoji--text' : 'reaction__emoji'}>{emoji}</span>;
}

/**
 * The reactions under a message: one chip per emoji with its count, marked
 * when I am among those who reacted; a click adds or takes back mine. Who
 * reacted is the chip's tooltip and accessible name.
 */
export function ReactionChips({ reactions, me, onToggle }: { reactions: readonly ReactionDto[]; me: string | null; onToggle: (emoji: string, added: boolean) => void }) {
  const { t, locale } = useI18n();
  useUsersVersion(reactions.flatMap((r) => r.user_ids));
  if (reactions.length === 0) return null;
  return (
    <ul className="reactions" aria-label={t('chat.reactions')}>
      {reactions.map((r) => {
        const mine = me !== null && r.user_ids.includes(me);
        const names = joinNames(
          r.user_ids.map((id) => (id === me ? t('chat.reactionYou') : (knownUser(id)?.display_name ?? t('chat.someone')))),
          locale,
        );
        const who = t('chat.reactionWho', { emoji: r.emoji, names });
        return (
          <li key={r.emoji}>
            <button
              type="button"
              className={mine ? 'reaction reaction--mine' : 'reaction'}
              aria-pressed={mine}
              aria-label={who}
              title={who}
              data-emoji={r.emoji}
              onClick={() => onToggle(r.emoji, !mine)}
            >
              <Emoji emoji={r.emoji} />
              <span className="reaction__count">{r.user_ids.length}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * The "React" button and its palette: the fixed emoji of SPEC §8 in their
 * order; one I have used already is marked, and choosing it takes it back.
 * Escape or a click elsewhere closes it.
 */
export function ReactionPicker({ label, mineEmoji, onPick }: { label: string; mineEmoji: ReadonlySet<string>; onPick: (emoji: string, added: boolean) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const id = useId();
  const wrap = useRef<HTMLSpanElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const palette = wrap.current?.querySelector<HTMLElement>('.reaction-palette');
    palette?.scrollIntoView?.({ block: 'nearest' });
    palette?.querySelector('button')?.focus({ preventScroll: true });
    const outside = (e: PointerEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  return (
    <span className="reaction-picker" ref={wrap}>
      <button
        ref={button}
        type="button"
        className="link-button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(!open)}
      >
        {t('chat.react')}
      </button>
      {open && (
        <div
          id={id}
          className="reaction-palette"
          role="group"
          aria-label={t('chat.reactionPalette')}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              close();
            }
          }}
        >
          {REACTION_PALETTE.map((emoji) => (
            <button
              key={emoji}
              type="button"
              className={mineEmoji.has(emoji) ? 'reaction-palette__item reaction-palette__item--mine' : 'reaction-palette__item'}
              aria-label={emoji}
              aria-pressed={mineEmoji.has(emoji)}
              title={emoji}
              onClick={() => {
                onPick(emoji, !mineEmoji.has(emoji));
                close();
              }}
            >
              <Emoji emoji={emoji} />
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
