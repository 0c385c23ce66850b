// 我的工作 / My work: the landing screen after sign-in (SPEC §7). Each section
// lists what waits for me, most pressing first; every item opens its case or
// conversation, and overdue ones say so in words.

import type { ReactNode } from 'react';
import type { CaseDto, ConsultDto, MessageDto, ReferralDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { href } from '../router';
import { ErrorText, PriorityBadge, StatusBadge } from '../ui/common';
import { DeadlineBadge } from '../ui/Deadline';
import { FollowUpContent } from '../followups/FollowUpCard';
import { followUpState } from '../followups/followUps';
import { useUser } from '../users/cache';
import { isEmptyWork, overdueIds } from './live';
import { useWork } from './WorkProvider';

export function MyWorkPage() {
  const { t } = useI18n();
  const { data: work, error, loading, reload } = useWork();
  const overdue = work === undefined ? null : overdueIds(work);
  const me = useRealtime((s) => s.userId);

  return (
    <section className="page my-work" aria-labelledby="my-work-title">
      <div className="page__head">
        <h1 id="my-work-title" tabIndex={-1}>
          {t('work.title')}
        </h1>
        <button type="button" className="button button--small" onClick={reload} disabled={loading}>
          {t('work.refresh')}
        </button>
      </div>
      {error !== undefined && <ErrorText error={error} />}
      {work === undefined && loading && <p className="muted">{t('common.loading')}</p>}
      {work !== undefined && overdue !== null && (
        <>
          {isEmptyWork(work) && <p className="empty">{t('work.empty')}</p>}
          <Section id="assigned" title={t('work.assigned')} items={work.assigned_cases} render={(c) => <CaseItem c={c} overdue={overdue.cases.has(c.id)} />} />
          <Section id="consults" title={t('work.consults')} items={work.consults_to_answer} render={(c) => <ConsultItem c={c} overdue={overdue.consults.has(c.id)} />} />
          <Section id="referrals" title={t('work.referrals')} items={work.referrals_to_handle} render={(r) => <ReferralItem r={r} />} />
          <Section
            id="follow-ups"
            title={t('work.followUps')}
            items={work.follow_ups_due}
            className={(f) => `follow-up follow-up--${overdue.followUps.has(f.id) ? 'overdue' : followUpState(f, Date.now())}`}
            render={(f) => <FollowUpContent followUp={f} canRecord={f.assignee_id === me} showCase onChange={reload} />}
          />
          <Section id="unacknowledged" title={t('work.unacknowledged')} items={work.unacknowledged} render={(m) => <MessageItem m={m} overdue={overdue.messages.has(m.id)} />} />
          {work.triage_queue.length > 0 && (
            <Section id="triage" title={t('work.triage')} items={work.triage_queue} render={(c) => <CaseItem c={c} overdue={overdue.cases.has(c.id)} />} />
          )}
        </>
      )}
    </section>
  );
}

function Section<T extends { id: string }>({
  id,
  title,
  items,
  render,
  className,
}: {
  id: string;
  title: string;
  items: readonly T[];
  render: (item: T) => ReactNode;
  /** More classes for an item's card. */
  className?: (item: T) => string;
}) {
  const { t } = useI18n();
  const headingId = `my-work-${id}`;
  return (
    <section className="my-work__section" aria-labelledby={headingId} data-section={id}>
      <h2 id={headingId}>
        {title} <span className="muted">({items.length})</span>
      </h2>
      {items.length === 0 ? (
        <p className="muted">{t('work.none')}</p>
      ) : (
        <ul className="card-list">
          {items.map((item) => (
            <li key={item.id} className={className === undefined ? 'card my-work__item' : `card my-work__item ${className(item)}`}>
              {render(item)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** "已超时" in words for an overdue item without a due time to count from. */
function OverdueWords({ overdue, dueAt }: { overdue: boolean; dueAt: string | undefined }) {
  const { t } = useI18n();
  if (dueAt !== undefined) return <DeadlineBadge dueAt={dueAt} />;
  if (!overdue) return null;
  return (
    <span className="deadline deadline--overdue" data-overdue="true">
      <span className="deadline__icon" aria-hidden="true">
        ⚠
      </span>
      <span className="deadline__text">{t('work.overdue')}</span>
    </span>
  );
}

function CaseItem({ c, overdue }: { c: CaseDto; overdue: boolean }) {
  return (
    <>
      <a href={href({ name: 'case', caseId: c.id })}>
        <strong>{c.title}</strong>
      </a>
      <div className="my-work__meta">
        <PriorityBadge priority={c.priority} /> <StatusBadge status={c.status} /> <span className="muted">{c.patient.name}</span>{' '}
        <OverdueWords overdue={overdue} dueAt={c.due_at} />
      </div>
    </>
  );
}

function ConsultItem({ c, overdue }: { c: ConsultDto; overdue: boolean }) {
  const requester = useUser(c.requested_by);
  return (
    <>
      <a href={href({ name: 'case', caseId: c.case_id })}>
        <strong>{c.question}</strong>
      </a>
      <div className="my-work__meta">
        <PriorityBadge priority={c.urgency} /> <StatusBadge status={c.status} />{' '}
        {requester !== undefined && <span className="muted">{requester.display_name}</span>} <OverdueWords overdue={overdue} dueAt={c.due_at} />
      </div>
    </>
  );
}

function ReferralItem({ r }: { r: ReferralDto }) {
  return (
    <>
      <a href={href({ name: 'case', caseId: r.target_case_id })}>
        <strong>{r.reason}</strong>
      </a>
      <div className="my-work__meta">
        <PriorityBadge priority={r.priority} /> <StatusBadge status={r.status} /> <span className="muted">{r.patient.name}</span>
      </div>
    </>
  );
}

function MessageItem({ m, overdue }: { m: MessageDto; overdue: boolean }) {
  const { t } = useI18n();
  const sender = useUser(m.sender_id);
  const title = useRealtime((s) => s.conversations[m.conversation_id]?.info.title);
  return (
    <>
      <a href={href({ name: 'chat', conversationId: m.conversation_id, seq: m.seq })}>
        <strong>{m.body}</strong>
      </a>
      <div className="my-work__meta">
        {m.priority !== 'normal' && <span className={`badge badge--${m.priority}`}>{t(`priority.${m.priority}`)}</span>}{' '}
        <span className="muted">
          {sender?.display_name ?? ''}
          {title !== undefined && <> · {title}</>}
        </span>{' '}
        <OverdueWords overdue={overdue} dueAt={undefined} />
      </div>
    </>
  );
}
