import { useEffect, useId, useState } from 'react';
import type { UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeStore } from '../realtime/context';
import { navigate } from '../router';
import { rest } from '../session';
import { ErrorText, PresenceDot } from '../ui/common';
import { rememberUsers } from '../users/cache';

/** The people directory (GET /users?q=): find a colleague and start a direct chat. */
export function People() {
  const { t } = useI18n();
  const store = useRealtimeStore();
  const me = useRealtime((s) => s.userId);
  const [q, setQ] = useState('');
  const [results, setResults] = useState<UserDto[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const searchId = useId();

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      rest.searchUsers(q.trim()).then(
        (page) => {
          if (!live) return;
          rememberUsers(page.items);
          setResults(page.items);
          setError(undefined);
        },
        (failure: unknown) => live && setError(failure),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);

  async function message(user: UserDto) {
    try {
      const conversation = await rest.openDirect(user.id);
      store.addConversation(conversation);
      navigate({ name: 'chat', conversationId: conversation.id });
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section className="page" aria-labelledby="people-heading">
      <h1 id="people-heading" tabIndex={-1}>
        {t('people.title')}
      </h1>
      <div className="field">
        <label htmlFor={searchId}>{t('people.search')}</label>
        <input id={searchId} type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('people.searchHint')} />
      </div>
      <ErrorText error={error} />
      {results !== null && results.length === 0 && <p className="muted">{t('people.none')}</p>}
      <ul className="card-list">
        {results?.map((u) => (
          <li key={u.id} className="card person" data-username={u.username}>
            <PersonPresence id={u.id} />
            <div className="person__main">
              <strong>{u.display_name}</strong> <span className="muted">@{u.username}</span>
              <div className="muted">{[u.title, u.institution, t(`careLevel.${u.care_level}`)].filter((x) => x !== '').join(' · ')}</div>
              {u.specialties.length > 0 && (
                <ul className="tags" aria-label={t('people.specialties')}>
                  {u.specialties.map((s) => (
                    <li key={s} className="tag">
                      {s}
                    </li>
                  ))}
                </ul>
              )}
            </div>
            {u.id !== me && (
              <button type="button" className="button" onClick={() => void message(u)} aria-label={t('people.messageUser', { name: u.display_name })}>
                {t('people.message')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PersonPresence({ id }: { id: string }) {
  const status = useRealtime((s) => s.presence[id]);
  const duty = useRealtime((s) => s.duty[id]);
  return <PresenceDot status={status} duty={duty} />;
}
