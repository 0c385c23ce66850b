// Choosing an expert slot (号源) for a referral: the referring doctor picks one
// of the receiving team's free slots for the next two weeks (or none); the
// receiving team, accepting, picks one of its own or keeps the one booked
// with the referral. Each option reads day, time, doctor, places left and
// whether it is reserved for referrals.

import { useId } from 'react';
import { useI18n } from '../i18n/useI18n';
import { rest } from '../session';
import { ErrorText } from '../ui/common';
import { formatDateTime } from '../ui/format';
import { useAsync } from '../ui/useAsync';
import { knownUser, useUsersVersion } from '../users/cache';
import { formatSlotWhen } from './format';
import { bySoonest, isBookable, KEEP_SLOT, placesLeft } from './week';

/** How far ahead the pickers look. */
export const PICK_DAYS = 14;

interface SlotPickerProps {
  teamId: string;
  /** '' for none, KEEP_SLOT, or a slot id. */
  value: string;
  onChange: (value: string) => void;
  /** The words of the "no slot" option. */
  noneLabel: string;
  /** The line under the legend. */
  hint: string;
  /** A slot already booked (with its time): offered as "keep", and not listed again. */
  booked?: { slotId: string; at: string | undefined } | undefined;
}

export function SlotPicker({ teamId, value, onChange, noneLabel, hint, booked }: SlotPickerProps) {
  const { t, locale } = useI18n();
  const name = useId();
  const hintId = useId();
  const slots = useAsync(() => {
    const now = new Date();
    return rest.slots(teamId, { from: now.toISOString(), to: new Date(now.getTime() + PICK_DAYS * 86_400_000).toISOString(), available: true });
  }, [teamId]);
  const now = Date.now();
  const offered = (slots.data ?? []).filter((s) => s.id !== booked?.slotId && isBookable(s, now)).sort(bySoonest);
  useUsersVersion(offered.map((s) => s.doctor_id));

  return (
    <fieldset className="field slot-picker" aria-describedby={hintId}>
      <legend>{t('slots.pick')}</legend>
      <p id={hintId} className="muted slot-picker__hint">
        {hint}
      </p>
      <div className="slot-picker__options">
        {booked !== undefined && (
          <label className="radio slot-picker__option">
            <input type="radio" name={name} value={KEEP_SLOT} checked={value === KEEP_SLOT} onChange={() => onChange(KEEP_SLOT)} />{' '}
            {t('slots.pickKeep', { time: booked.at === undefined ? '…' : formatDateTime(booked.at, locale) })}
          </label>
        )}
        <label className="radio slot-picker__option">
          <input type="radio" name={name} value="" checked={value === ''} onChange={() => onChange('')} /> {noneLabel}
        </label>
        {offered.map((slot) => (
          <label key={slot.id} className="radio slot-picker__option" data-slot={slot.id}>
            <input type="radio" name={name} value={slot.id} checked={value === slot.id} onChange={() => onChange(slot.id)} />{' '}
            <span>
              {formatSlotWhen(slot, locale)} · {knownUser(slot.doctor_id)?.display_name ?? '…'} ·{' '}
              {t('slots.placesLeft', { left: placesLeft(slot), capacity: slot.capacity })}
              {slot.reserved_for_referrals && (
                <>
                  {' '}
                  <span className="badge slot__reserved">{t('slots.reserved')}</span>
                </>
              )}
            </span>
          </label>
        ))}
      </div>
      {slots.data !== undefined && offered.length === 0 && <p className="muted">{t('slots.pickNoneAvailable')}</p>}
      {slots.data === undefined && slots.loading && <p className="muted">{t('common.loading')}</p>}
      {slots.error !== undefined && <ErrorText error={slots.error} />}
    </fieldset>
  );
}
