// The call button in a conversation's header (case, consult, referral and
// direct conversations): "Video call" starts one; when the conversation has
// a live call, "Join call"; when I am in it here, "Back to call" (the call
// view may be minimized). While I am in a call elsewhere the button is off
// (saying why): a stray click must not hang up a consult. An incoming call's
// Accept does switch calls, as on a phone.

import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { liveCallIn } from '../realtime/store';
import { useCallController, useCallState } from './context';

export function CallButton({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const controller = useCallController();
  const live = useRealtime((s) => liveCallIn(s.calls, conversationId));
  const connected = useRealtime((s) => s.status === 'connected');
  const here = useCallState((s) => s.conversationId === conversationId && s.phase !== 'idle' && s.phase !== 'ended');
  const elsewhere = useCallState((s) => s.conversationId !== conversationId && s.phase !== 'idle' && s.phase !== 'ended');

  if (here) {
    return (
      <button type="button" className="button button--small call-button call-button--here" onClick={() => controller.setMinimized(false)}>
        <CameraIcon />
        {t('call.return')}
      </button>
    );
  }
  if (live !== undefined) {
    return (
      <button
        type="button"
        className="button button--small button--accent call-button call-button--join"
        disabled={!connected || elsewhere}
        title={elsewhere ? t('call.busyElsewhere') : undefined}
        onClick={() => void controller.start(conversationId)}
      >
        <CameraIcon />
        {t('call.join')}
      </button>
    );
  }
  return (
    <button
      type="button"
      className="button button--small call-button"
      title={elsewhere ? t('call.busyElsewhere') : t('call.startLabel')}
      disabled={!connected || elsewhere}
      onClick={() => void controller.start(conversationId)}
    >
      <CameraIcon />
      {t('call.start')}
    </button>
  );
}

export function CameraIcon() {
  return (
    <svg className="call-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M4 6h10a2 2 0 0 1 2 2v1.8l4-2.3v9l-4-2.3V16a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2Z" />
    </svg>
  );
}
