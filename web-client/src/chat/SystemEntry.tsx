import type { MessageDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { formatDateTime, formatTime } from '../ui/format';
import { useUser } from '../users/cache';
import { systemText } from './systemText';

/**
 * A timeline entry of a case, consult or referral thread (a `kind: system`
 * message): centred between the talk, in seq order, with a sign, one sentence
 * naming who took the step and what the step carried. It has no actions: it
 * cannot be replied to, edited, recalled or reacted to.
 */
export function SystemEntry({ message: m }: { message: MessageDto }) {
  const { t, locale } = useI18n();
  const actor = useUser(m.sender_id)?.display_name ?? t('chat.someone');
  const { sentence, details, icon } = systemText(m.system, actor, t, locale);
  return (
    <li className="message system-entry" data-seq={m.seq} data-kind="system">
      <div className="system-entry__line">
        <span className="system-entry__icon" aria-hidden="true">
          {icon}
        </span>
        <span className="visually-hidden">{t('chat.timeline')}: </span>
        <span className="system-entry__sentence">{sentence}</span>
        <time className="system-entry__time" dateTime={m.created_at} title={formatDateTime(m.created_at, locale)}>
          {formatTime(m.created_at, locale)}
        </time>
      </div>
      {details.length > 0 && (
        <dl className="system-entry__details">
          {details.map((d) => (
            <div key={d.label} className="system-entry__detail">
              <dt>{d.label}</dt>
              <dd>{d.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </li>
  );
}
