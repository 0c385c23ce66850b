// 号源 / Expert slots (SPEC §10): a team's lead and assistants see the team's
// slots a week at a time (Monday to Sunday, by day), publish new ones for the
// team's doctors and delete those nobody has booked. Bookings come from
// referrals, so a `referral_updated` to this team reloads the week.

import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import type { SlotDto, TeamMemberDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeEvent } from '../realtime/context';
import { navigate } from '../router';
import { rest } from '../session';
import { triageTeams, useTeams } from '../teams/myTeams';
import { ErrorText, Loading } from '../ui/common';
import { localInputToIso } from '../ui/format';
import { useAsync } from '../ui/useAsync';
import { knownUser, rememberUsers, useUsersVersion } from '../users/cache';
import { formatClock, formatDay, formatSlotTime, formatSlotWhen } from './format';
import { addDays, isSameDay, placesLeft, slotsByDay, startOfWeek, weekRange, weeksFrom } from './week';

export function SlotsPage({ teamId }: { teamId: string | undefined }) {
  const { t, locale } = useI18n();
  const { teams, loaded } = useTeams();
  const mine = triageTeams(teams);
  const selected = teamId ?? mine[0]?.id;
  const team = mine.find((x) => x.id === selected);
  const [weekStart, setWeekStart] = useState(() => startOfWeek(new Date()));
  const range = weekRange(weekStart);
  const slots = useAsync(() => (team === undefined ? Promise.resolve([]) : rest.slots(team.id, range)), [team?.id, range.from]);
  const members = useAsync(() => (team === undefined ? Promise.resolve([]) : rest.members(team.id)), [team?.id]);
  const epoch = useRealtime((s) => s.epoch);
  const [status, setStatus] = useState('');

  useEffect(() => {
    if (members.data !== undefined) rememberUsers(members.data.map((m) => m.user));
  }, [members.data]);
  useEffect(() => {
    if (epoch > 1) slots.reload();
  }, [epoch, slots.reload]);
  useRealtimeEvent((e) => {
    // A referral to this team may have booked or freed a place.
    if (e.type === 'referral_updated' && e.referral.to_team_id === team?.id) slots.reload();
    if (e.type === 'roster_changed' && e.team_id === team?.id) members.reload();
  });
  useUsersVersion((slots.data ?? []).map((s) => s.doctor_id));

  const days = useMemo(() => slotsByDay(slots.data ?? [], weekStart), [slots.data, weekStart]);

  if (!loaded) return <Loading />;
  if (team === undefined) {
    return (
      <section className="page">
        <h1 tabIndex={-1}>{t('slots.title')}</h1>
        <p className="muted">{t('slots.notAllowed')}</p>
      </section>
    );
  }

  const today = new Date();
  const offset = weeksFrom(today, weekStart);
  const weekTitle = t('slots.weekOf', { start: formatDay(weekStart, locale), end: formatDay(addDays(weekStart, 6), locale) });
  const count = (slots.data ?? []).length;

  return (
    <section className="page slots" aria-labelledby="slots-heading">
      <h1 id="slots-heading" tabIndex={-1}>
        {t('slots.title')}
        <span className="muted"> · {team.name}</span>
      </h1>
      {mine.length > 1 && (
        <div className="field field--inline">
          <label htmlFor="slots-team">{t('slots.team')}</label>
          <select id="slots-team" value={team.id} onChange={(e) => navigate({ name: 'slots', teamId: e.target.value })}>
            {mine.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </div>
      )}

      <PublishSlotForm
        teamId={team.id}
        members={members.data ?? []}
        onPublished={(slot) => {
          setStatus(t('slots.published', { time: formatSlotWhen(slot, locale) }));
          const week = startOfWeek(new Date(slot.starts_at));
          if (week.getTime() === weekStart.getTime()) slots.reload();
          else setWeekStart(week);
        }}
      />

      <div className="slots__week-nav" role="group" aria-label={t('slots.week')}>
        <button type="button" className="button button--small" onClick={() => setWeekStart((w) => addDays(w, -7))}>
          ← {t('slots.previousWeek')}
        </button>
        <button type="button" className="button button--small" disabled={offset === 0} onClick={() => setWeekStart(startOfWeek(new Date()))}>
          {t('slots.thisWeek')}
        </button>
        <button type="button" className="button button--small" onClick={() => setWeekStart((w) => addDays(w, 7))}>
          {t('slots.nextWeek')} →
        </button>
        <h2 className="slots__week-title" aria-live="polite">
          {weekTitle}
        </h2>
        <span className="muted">{t('slots.count', { count })}</span>
      </div>
      <p className={status === '' ? 'visually-hidden' : 'notice'} role="status" aria-live="polite">
        {status}
      </p>
      {slots.error !== undefined && <ErrorText error={slots.error} />}

      <div className="slots__week">
        {days.map(({ day, slots: daySlots }) => {
          const headingId = `slots-day-${day.getTime()}`;
          return (
            <section key={day.getTime()} className={isSameDay(day, today) ? 'slots__day slots__day--today' : 'slots__day'} aria-labelledby={headingId}>
              <h3 id={headingId} className="slots__day-title">
                {formatDay(day, locale)}
                {isSameDay(day, today) && <span className="badge">{t('slots.today')}</span>}
              </h3>
              {daySlots.length === 0 ? (
                <p className="muted slots__empty">{t('slots.noneThisDay')}</p>
              ) : (
                <ul className="slots__list">
                  {daySlots.map((slot) => (
                    <SlotCard
                      key={slot.id}
                      slot={slot}
                      onDeleted={() => {
                        setStatus(t('slots.deleted'));
                        slots.setData((old) => (old ?? []).filter((s) => s.id !== slot.id));
                      }}
                    />
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
    </section>
  );
}

/** One slot: time, doctor, duration, booked/capacity, the referral marker; deleting it asks first. */
function SlotCard({ slot, onDeleted }: { slot: SlotDto; onDeleted: () => void }) {
  const { t, locale } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const doctor = knownUser(slot.doctor_id)?.display_name ?? '…';
  const time = formatSlotTime(slot, locale);
  const full = placesLeft(slot) === 0;

  async function remove() {
    setBusy(true);
    setError(undefined);
    try {
      await rest.deleteSlot(slot.id);
      onDeleted();
    } catch (failure) {
      setError(failure);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className={slot.reserved_for_referrals ? 'slot slot--reserved' : 'slot'} data-slot={slot.id}>
      <div className="slot__time">
        <time dateTime={slot.starts_at}>{time}</time>
      </div>
      <div className="slot__doctor">{doctor}</div>
      <div className="slot__meta muted">
        {t('slots.duration', { minutes: slot.duration_minutes })} · {t('slots.booked', { booked: slot.booked, capacity: slot.capacity })}
      </div>
      <div className="slot__badges">
        {slot.reserved_for_referrals && <span className="badge slot__reserved">{t('slots.reserved')}</span>}
        {full && <span className="badge badge--status">{t('slots.full')}</span>}
      </div>
      {slot.booked === 0 && !confirming && (
        <button type="button" className="button button--small" aria-label={t('slots.deleteSlot', { time: `${formatClock(new Date(slot.starts_at), locale)} ${doctor}` })} onClick={() => setConfirming(true)}>
          {t('slots.delete')}
        </button>
      )}
      {confirming && (
        <div className="slot__confirm" role="group" aria-label={t('slots.confirmDelete')}>
          <span>{t('slots.confirmDelete')}</span>
          <button type="button" className="button button--small button--danger" disabled={busy} onClick={() => void remove()}>
            {t('slots.confirmDeleteButton')}
          </button>
          <button type="button" className="button button--small" disabled={busy} onClick={() => setConfirming(false)}>
            {t('slots.keep')}
          </button>
        </div>
      )}
      <ErrorText error={error} />
    </li>
  );
}

/** Publish a slot for one of the team's doctors (never an assistant). */
function PublishSlotForm({ teamId, members, onPublished }: { teamId: string; members: readonly TeamMemberDto[]; onPublished: (slot: SlotDto) => void }) {
  const { t } = useI18n();
  const [doctor, setDoctor] = useState('');
  const [startsAt, setStartsAt] = useState('');
  const [duration, setDuration] = useState('30');
  const [capacity, setCapacity] = useState('1');
  const [reserved, setReserved] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const ids = { doctor: useId(), startsAt: useId(), duration: useId(), capacity: useId(), reserved: useId() };
  const doctors = members.filter((m) => m.user.active && m.role !== 'assistant');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const at = localInputToIso(startsAt);
    if (doctor === '' || at === undefined) {
      setError(new Error('missing'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const slot = await rest.createSlot(teamId, {
        doctor_id: doctor,
        starts_at: at,
        duration_minutes: Number(duration),
        capacity: Number(capacity),
        reserved_for_referrals: reserved,
      });
      setStartsAt('');
      onPublished(slot);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel slots__publish" onSubmit={(e) => void submit(e)} aria-label={t('slots.publish')}>
      <h2>{t('slots.publish')}</h2>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.doctor}>{t('slots.doctor')}</label>
          <select id={ids.doctor} name="doctor" value={doctor} onChange={(e) => setDoctor(e.target.value)} required>
            <option value="">{t('common.choose')}</option>
            {doctors.map((m) => (
              <option key={m.user.id} value={m.user.id}>
                {m.user.display_name} · {t(`role.${m.role}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.startsAt}>{t('slots.startsAt')}</label>
          <input id={ids.startsAt} name="starts_at" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor={ids.duration}>{t('slots.durationLabel')}</label>
          <input id={ids.duration} name="duration_minutes" type="number" min={5} max={480} step={5} value={duration} onChange={(e) => setDuration(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor={ids.capacity}>{t('slots.capacity')}</label>
          <input id={ids.capacity} name="capacity" type="number" min={1} max={200} value={capacity} onChange={(e) => setCapacity(e.target.value)} required />
        </div>
      </div>
      <label className="checkbox" htmlFor={ids.reserved}>
        <input id={ids.reserved} name="reserved_for_referrals" type="checkbox" checked={reserved} onChange={(e) => setReserved(e.target.checked)} /> {t('slots.reservedLabel')}
      </label>
      {error instanceof Error && error.message === 'missing' ? (
        <div role="alert" className="form-error">
          {t('slots.missing')}
        </div>
      ) : (
        <ErrorText error={error} />
      )}
      <button type="submit" className="button button--primary" disabled={busy}>
        {t('slots.publish')}
      </button>
    </form>
  );
}
