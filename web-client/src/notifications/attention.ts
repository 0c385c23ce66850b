// Whether a new notification may make a sound or a desktop notice here
// (SPEC §7), as a pure decision:
//
// - a conversation's notification level (ConversationDto.notify): `all`
//   lets everything through; `mentions` lets mentions through but not other
//   message chatter; `none` only urgent messages and escalations, which
//   always come through the level;
// - my own duty: `do_not_disturb` means no sound at all and no desktop
//   notice except an escalation;
// - the sound (a short beep, sound.ts) is only for urgent messages and
//   escalations, and only once the user has interacted with the page
//   (browsers refuse audio before that anyway).

import type { DutyStatus, NotificationDto, NotifyLevel } from '../api/types';

/** Kinds that come through a conversation's `none` level, and the only ones that beep. */
export function isCritical(kind: NotificationDto['kind']): boolean {
  return kind === 'urgent_message' || kind === 'escalation';
}

/** Whether a conversation's level lets a notification of this kind through. */
export function levelAllows(level: NotifyLevel | undefined, kind: NotificationDto['kind']): boolean {
  if (isCritical(kind)) return true;
  switch (level ?? 'all') {
    case 'all':
      return true;
    case 'mentions':
      return kind === 'mentioned';
    case 'none':
      return false;
  }
}

export interface AttentionInput {
  kind: NotificationDto['kind'];
  /** The level of the conversation it links to; undefined when it links to none (or it is unknown here). */
  level: NotifyLevel | undefined;
  /** My own duty status. */
  duty: DutyStatus;
  /** Whether the user has interacted with this page (needed to play audio). */
  interacted: boolean;
}

export interface Attention {
  desktop: boolean;
  sound: boolean;
}

export function attentionFor({ kind, level, duty, interacted }: AttentionInput): Attention {
  if (!levelAllows(level, kind)) return { desktop: false, sound: false };
  if (duty === 'do_not_disturb') return { desktop: kind === 'escalation', sound: false };
  return { desktop: true, sound: interacted && isCritical(kind) };
}
