// The ring of an incoming call (SPEC §9): for each call ringing here (the
// realtime store decides which: callsReducer.ts), a banner naming who calls
// and where, with Accept and Decline, and a ringing tone while any rings
// (silent when I am "do not disturb"). It goes when the call ends, when I
// decline or join it on any device, and after RING_FOR_MS. The banner does
// not take the focus (a doctor typing must not answer by pressing Enter);
// it is announced to screen readers instead.

import { useEffect, useId } from 'react';
import type { CallDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { useUser } from '../users/cache';
import { useMyDuty } from '../users/duty';
import { CameraIcon } from './CallButton';
import { useCallController } from './context';
import { startRinging } from './ringtone';

export function IncomingCallBanner({ userId, ring = startRinging }: { userId: string; ring?: typeof startRinging }) {
  const ringing = useRealtime((s) => s.calls.ringing);
  const live = useRealtime((s) => s.calls.live);
  const duty = useMyDuty(userId);
  const calls = ringing.map((id) => live[id]).filter((c): c is CallDto => c !== undefined);
  const audible = calls.length > 0 && duty.status !== 'do_not_disturb';

  useEffect(() => {
    if (!audible) return;
    const ringer = ring();
    return () => ringer.stop();
  }, [audible, ring]);

  if (calls.length === 0) return null;
  return (
    <div className="incoming-calls">
      {calls.map((call) => (
        <IncomingCall key={call.id} call={call} />
      ))}
    </div>
  );
}

function IncomingCall({ call }: { call: CallDto }) {
  const { t } = useI18n();
  const controller = useCallController();
  const caller = useUser(call.started_by)?.display_name ?? t('chat.someone');
  // A direct conversation is named after the caller: saying where adds nothing.
  const where = useRealtime((s) => {
    const info = s.conversations[call.conversation_id]?.info;
    return info === undefined || info.kind === 'direct' ? undefined : info.title;
  });
  const titleId = useId();
  const textId = useId();
  const text = t('call.incoming.from', { name: caller });
  return (
    <section className="incoming-call" role="dialog" aria-modal="false" aria-labelledby={titleId} aria-describedby={textId}>
      <span className="incoming-call__icon" aria-hidden="true">
        <CameraIcon />
      </span>
      <div className="incoming-call__text">
        <h2 id={titleId} className="incoming-call__title">
          {t('call.incoming.title')}
        </h2>
        <p id={textId} className="incoming-call__from">
          {text}
          {where !== undefined && <span className="incoming-call__where"> · {where}</span>}
        </p>
      </div>
      <div className="incoming-call__actions">
        <button type="button" className="button button--accent" onClick={() => void controller.accept(call)}>
          {t('call.accept')}
        </button>
        <button type="button" className="button button--danger" onClick={() => void controller.decline(call.id)}>
          {t('call.decline')}
        </button>
      </div>
      <span className="visually-hidden" role="status">
        {text}
      </span>
    </section>
  );
}
