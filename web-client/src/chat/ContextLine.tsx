import type { ConversationContext } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { PriorityBadge } from '../ui/common';
import { patientLine, threadDetail, threadStatus, urgentPriority } from './conversationContext';

/**
 * A thread's context in one line: patient · priority (when urgent) · status ·
 * the consult question or ↑/↓ and the other team. The header adds the team.
 */
export function ContextLine({ context, variant }: { context: ConversationContext; variant: 'sidebar' | 'header' }) {
  const { t } = useI18n();
  const urgent = urgentPriority(context);
  const detail = threadDetail(context, t, variant === 'sidebar' ? 24 : 80);
  return (
    <span className={`context-line context-line--${variant}`} data-testid="conversation-context">
      <span className="context-line__patient">{patientLine(context, t)}</span>
      {urgent !== undefined && <PriorityBadge priority={urgent} />}
      <span className="context-line__status">{t(`status.${threadStatus(context)}`)}</span>
      {detail?.kind === 'question' && (
        <span className="context-line__detail" title={detail.full}>
          {detail.text}
        </span>
      )}
      {detail?.kind === 'referral' && (
        <span className="context-line__detail">
          <span aria-hidden="true">{detail.direction === 'up' ? '↑ ' : '↓ '}</span>
          {detail.label}
          {detail.team !== undefined && ` · ${detail.team}`}
        </span>
      )}
      {variant === 'header' && <span className="context-line__team">{context.team_name}</span>}
    </span>
  );
}
