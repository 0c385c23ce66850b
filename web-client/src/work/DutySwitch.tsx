// The duty-status switch in the shell (SPEC §7): 在岗 / 下班 / 勿扰, an
// optional end time and a colleague who also gets my notifications meanwhile.
// Saved with PUT /me/status; refusals are shown in words (forward_to_self,
// user_missing, user_deactivated, date_in_past).

import { useId, useState, type FormEvent } from 'react';
import type { DutyRequest, DutyStatus, UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { localInputToIso } from '../ui/format';
import { UserPicker } from '../ui/pickers';
import { effectiveDuty, saveMyDuty, useMyDuty } from '../users/duty';
import { knownUser } from '../users/cache';

const STATUSES: readonly DutyStatus[] = ['on_duty', 'off_duty', 'do_not_disturb'];

export function DutySwitch({ userId }: { userId: string }) {
  const { t } = useI18n();
  const stored = useMyDuty(userId);
  const duty = effectiveDuty(stored, Date.now());
  const [open, setOpen] = useState(false);
  const panelId = useId();
  return (
    <div className="duty">
      <button
        type="button"
        className={`button duty__toggle duty__toggle--${duty.status}`}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
      >
        {t('duty.current', { status: t(`duty.${duty.status}`) })}
      </button>
      {open && <DutyForm id={panelId} userId={userId} duty={duty} onDone={() => setOpen(false)} />}
    </div>
  );
}

function DutyForm({ id, userId, duty, onDone }: { id: string; userId: string; duty: DutyRequest; onDone: () => void }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<DutyStatus>(duty.status);
  const [until, setUntil] = useState('');
  const initial = duty.forward_to === undefined ? undefined : knownUser(duty.forward_to);
  const [forward, setForward] = useState<UserDto[]>(initial === undefined ? [] : [initial]);
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const untilId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(undefined);
    const body: DutyRequest = { status };
    const untilIso = status === 'on_duty' ? undefined : localInputToIso(until);
    if (untilIso !== undefined) body.until = untilIso;
    if (status !== 'on_duty' && forward[0] !== undefined) body.forward_to = forward[0].id;
    try {
      const saved = await rest.setDuty(body);
      saveMyDuty(userId, saved);
      onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form id={id} className="duty__panel" aria-label={t('duty.label')} onSubmit={(e) => void submit(e)}>
      <fieldset className="duty__statuses">
        <legend>{t('duty.label')}</legend>
        {STATUSES.map((s) => (
          <label key={s} className="duty__status">
            <input type="radio" name="duty-status" value={s} checked={status === s} onChange={() => setStatus(s)} /> {t(`duty.${s}`)}
          </label>
        ))}
      </fieldset>
      {status !== 'on_duty' && (
        <>
          <div className="field">
            <label htmlFor={untilId}>{t('duty.until')}</label>
            <input id={untilId} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
          </div>
          <UserPicker label={t('duty.forwardTo')} selected={forward} onChange={setForward} excludeIds={[userId]} name="forward-to" />
        </>
      )}
      {error !== undefined && <ErrorText error={error} />}
      <div className="duty__actions">
        <button type="submit" className="button button--primary" disabled={saving}>
          {t('common.save')}
        </button>
        <button type="button" className="button" onClick={onDone}>
          {t('duty.cancel')}
        </button>
      </div>
    </form>
  );
}
