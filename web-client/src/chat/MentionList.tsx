import { useI18n } from '../i18n/useI18n';
import type { MentionCandidate } from './mentions';

interface Props {
  id: string;
  matches: readonly MentionCandidate[];
  /** Index of the highlighted entry (arrow keys). */
  active: number;
  onPick: (candidate: MentionCandidate) => void;
}

/** The list under the composer while an @mention is typed: group mentions with what they do, then members. */
export function MentionList({ id, matches, active, onPick }: Props) {
  const { t } = useI18n();
  return (
    <ul id={id} role="listbox" className="mention-list" aria-label={t('chat.mentionList')}>
      {matches.map((c, i) => (
        <li
          key={c.kind === 'group' ? `group-${c.group}` : c.user.id}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === active}
          className={`mention-list__item${i === active ? ' mention-list__item--active' : ''}${c.kind === 'group' ? ' mention-list__item--group' : ''}`}
          onMouseDown={(e) => {
            // Keep the focus (and the caret) in the composer.
            e.preventDefault();
            onPick(c);
          }}
        >
          {c.kind === 'group' ? (
            <>
              <strong>{t(`mention.${c.group}.name`)}</strong> <span className="muted">@{c.group}</span>
              <span className="mention-list__explain">{t(`mention.${c.group}.explain`)}</span>
            </>
          ) : (
            <>
              <strong>{c.user.display_name}</strong> <span className="muted">@{c.user.username}</span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
