// 登录设备 / Signed-in devices (SPEC §11, `#/sessions`): the user's live
// sessions, most recently used first, each with its device, address, sign-in
// time and last use; any but this one may be ended (GET and DELETE
// /me/sessions), one at a time or all others at once, each after asking. An
// ended device is signed out at once; the list is loaded again afterwards.

import { useEffect, useRef, useState } from 'react';
import { isApiError } from '../api/errors';
import type { SessionDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText, Loading } from '../ui/common';
import { formatDateTime, formatRelative } from '../ui/format';
import { useAsync } from '../ui/useAsync';
import { describeDevice, idleLimit } from './sessions';

/** A session that is already gone (ended elsewhere, or idle) counts as ended when ending all others. */
const alreadyEnded = (failure: unknown) => isApiError(failure, 'not_found') && failure.reason === 'session_not_found';

export function SessionsPage() {
  const { t } = useI18n();
  const list = useAsync(() => rest.mySessions(), []);
  const [notice, setNotice] = useState('');
  const [failure, setFailure] = useState<unknown>(undefined);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const now = useNow(30_000);

  const sessions = list.data ?? [];
  const others = sessions.filter((s) => !s.current);
  const first = sessions[0];
  const idle = first === undefined ? null : idleLimit(first, t);

  /** Ends the given sessions; says what happened, loads the list again and keeps focus on the page (the button is gone). */
  async function end(ids: readonly string[], done: string): Promise<void> {
    setNotice('');
    setFailure(undefined);
    const results = await Promise.allSettled(ids.map((id) => rest.endSession(id)));
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && (ids.length === 1 || !alreadyEnded(r.reason)));
    if (refused === undefined) setNotice(done);
    else setFailure(refused.reason);
    list.reload();
    headingRef.current?.focus({ preventScroll: true });
  }

  return (
    <section className="page sessions" aria-labelledby="sessions-heading">
      <h1 id="sessions-heading" ref={headingRef} tabIndex={-1}>
        {t('sessions.title')}
      </h1>
      <p className="muted">{t('sessions.intro')}</p>
      {idle !== null && <p className="muted">{t('sessions.idleNote', { duration: idle })}</p>}
      <p role="status" className="sessions__notice">
        {notice}
      </p>
      {failure !== undefined && <ErrorText error={failure} />}
      {list.error !== undefined && <ErrorText error={list.error} />}
      {list.data === undefined && list.loading && <Loading />}
      {list.data !== undefined && (
        <>
          <ul className="card-list sessions__list" aria-labelledby="sessions-heading">
            {sessions.map((s) => (
              <SessionItem key={s.id} session={s} now={now} onEnd={(device) => end([s.id], t('sessions.ended', { device }))} />
            ))}
          </ul>
          {others.length === 0 ? (
            <p className="muted">{t('sessions.onlyThis')}</p>
          ) : (
            <EndOthers count={others.length} onEnd={() => end(others.map((s) => s.id), t('sessions.endedOthers'))} />
          )}
        </>
      )}
    </section>
  );
}

/** One device: what it is, where from, when signed in and last used; "End session" (asking first) unless it is this one. */
function SessionItem({ session: s, now, onEnd }: { session: SessionDto; now: number; onEnd: (device: string) => Promise<void> }) {
  const { t, locale } = useI18n();
  const device = describeDevice(s.user_agent, t);
  const justNow = t('time.justNow');
  return (
    <li className={s.current ? 'card session session--current' : 'card session'}>
      <div className="session__device">
        <strong>{device}</strong>
        {s.current && <span className="badge session__current">{t('sessions.current')}</span>}
      </div>
      <div className="session__meta muted">
        {s.ip !== undefined && s.ip !== '' && <span>{t('sessions.ip', { ip: s.ip })}</span>}
        <span>{t('sessions.signedIn', { time: formatDateTime(s.created_at, locale) })}</span>
        <span title={formatDateTime(s.last_used_at, locale)}>{t('sessions.lastUsed', { time: formatRelative(s.last_used_at, locale, justNow, now) })}</span>
      </div>
      {!s.current && (
        <Confirmed
          label={t('sessions.endOn', { device })}
          text={t('sessions.end')}
          question={t('sessions.confirmEnd')}
          yes={t('sessions.confirmEndButton')}
          onConfirm={() => onEnd(device)}
        />
      )}
    </li>
  );
}

function EndOthers({ count, onEnd }: { count: number; onEnd: () => Promise<void> }) {
  const { t } = useI18n();
  return (
    <div className="sessions__others">
      <Confirmed
        text={t('sessions.endOthers')}
        question={t('sessions.confirmEndOthers', { count })}
        yes={t('sessions.confirmEndOthersButton')}
        onConfirm={onEnd}
      />
    </div>
  );
}

/** A danger button that asks first, in place: the question with "yes" and "cancel" (as deleting a slot does). */
function Confirmed({
  label,
  text,
  question,
  yes,
  onConfirm,
}: {
  label?: string;
  text: string;
  question: string;
  yes: string;
  onConfirm: () => Promise<void>;
}) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const yesRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) yesRef.current?.focus();
  }, [confirming]);

  async function confirm() {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  if (!confirming) {
    return (
      <button type="button" className="button button--small button--danger" aria-label={label} onClick={() => setConfirming(true)}>
        {text}
      </button>
    );
  }
  return (
    <div className="session__confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button ref={yesRef} type="button" className="button button--small button--danger" disabled={busy} onClick={() => void confirm()}>
        {yes}
      </button>
      <button type="button" className="button button--small" disabled={busy} onClick={() => setConfirming(false)}>
        {t('sessions.keep')}
      </button>
    </div>
  );
}

/** The time now, moved on every `ms`, so "5 minutes ago" stays true while the page is open. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
