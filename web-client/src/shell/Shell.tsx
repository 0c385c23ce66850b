import { useEffect, useRef, type ReactNode } from 'react';
import type { Session } from '../auth/store';
import { SessionsPage } from '../account/SessionsPage';
import { TwoFactorGate } from '../account/TwoFactorGate';
import { TwoFactorPage } from '../account/TwoFactorPage';
import { AdminPage } from '../admin/AdminPage';
import { CallProvider } from '../calls/context';
import { CallView } from '../calls/CallView';
import { IncomingCallBanner } from '../calls/IncomingCallBanner';
import { CasePage } from '../cases/CasePage';
import { NewCasePage } from '../cases/NewCasePage';
import { ConversationView } from '../chat/ConversationView';
import { People } from '../chat/People';
import { Sidebar } from '../chat/Sidebar';
import { ConsultsPage } from '../consults/ConsultsPage';
import { LanguageSwitch } from '../i18n/LanguageSwitch';
import { useI18n } from '../i18n/useI18n';
import { NotificationCenter } from '../notifications/NotificationCenter';
import { useUnreadTitle } from '../notifications/useUnreadTitle';
import { RealtimeProvider, useRealtime } from '../realtime/context';
import { ReferralsPage } from '../referrals/ReferralsPage';
import { SearchBox } from '../search/SearchBox';
import { SlotsPage } from '../slots/SlotsPage';
import { api } from '../session';
import { TriagePage } from '../triage/TriagePage';
import { rememberUsers } from '../users/cache';
import { ConnectionStatus, ConnectionTrouble } from './ConnectionStatus';
import { href, useRoute, type Route } from '../router';
import { TeamsProvider, triageTeams, useTeams } from '../teams/myTeams';
import { DutySwitch } from '../work/DutySwitch';
import { badgeText, navBadges } from '../work/live';
import { MyWorkPage } from '../work/MyWorkPage';
import { useWork, WorkProvider } from '../work/WorkProvider';

/**
 * The signed-in frame: one realtime connection, the header, the conversation
 * sidebar and the page; or, for an account that must set up two-factor
 * sign-in first, only that (TwoFactorGate).
 */
export function Shell({ session }: { session: Session }) {
  useEffect(() => {
    // Validates the stored tokens (renewing or ending the session as needed) and refreshes the profile.
    const controller = new AbortController();
    api.me(controller.signal).catch(() => {
      // Offline or server trouble: keep showing the stored profile.
    });
    return () => controller.abort();
  }, []);
  rememberUsers([session.user]);
  return (
    <TwoFactorGate>
      <RealtimeProvider userId={session.user.id}>
        <TeamsProvider>
          <WorkProvider>
            <CallProvider>
              <Frame session={session} />
            </CallProvider>
          </WorkProvider>
        </TeamsProvider>
      </RealtimeProvider>
    </TwoFactorGate>
  );
}

function Frame({ session }: { session: Session }) {
  const { t } = useI18n();
  const route = useRoute();
  const { teams } = useTeams();
  const { user } = session;
  const work = useWork();
  const mainRef = useRef<HTMLElement>(null);
  const routeKey = href(route);
  useUnreadTitle();
  // Opened from a conversation, search may be limited to it.
  const scopeId = route.name === 'chat' ? route.conversationId : undefined;
  const scopeTitle = useRealtime((s) => (scopeId === undefined ? undefined : s.conversations[scopeId]?.info.title));
  const searchScope = scopeId === undefined || scopeTitle === undefined ? undefined : { conversationId: scopeId, title: scopeTitle };

  useEffect(() => {
    // Move focus to the new page's heading so screen readers announce it.
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    heading?.focus({ preventScroll: true });
  }, [routeKey]);

  const badges = navBadges(work.data ?? null);
  const nav: { route: Route; label: string; show: boolean; badge?: { count: number; label: string } }[] = [
    { route: { name: 'work' }, label: t('nav.work'), show: true },
    { route: { name: 'home' }, label: t('nav.chat'), show: true },
    {
      route: { name: 'triage' },
      label: t('nav.triage'),
      show: triageTeams(teams).length > 0,
      badge: { count: badges.triage, label: t('nav.triageWaiting', { count: badgeText(badges.triage) }) },
    },
    {
      route: { name: 'consults' },
      label: t('nav.consults'),
      show: true,
      badge: { count: badges.consults, label: t('nav.consultsWaiting', { count: badgeText(badges.consults) }) },
    },
    { route: { name: 'referrals' }, label: t('nav.referrals'), show: true },
    { route: { name: 'slots' }, label: t('nav.slots'), show: triageTeams(teams).length > 0 },
    { route: { name: 'intake' }, label: t('nav.intake'), show: true },
    { route: { name: 'people' }, label: t('nav.people'), show: true },
    { route: { name: 'admin', tab: 'users' }, label: t('nav.admin'), show: user.role === 'admin' },
  ];
  const current = (r: Route) => r.name === route.name || (r.name === 'home' && route.name === 'chat');
  // My work sits beside the conversation list on wide screens; on a phone it is a page of its own.
  const showSidebar = route.name === 'home' || route.name === 'chat' || route.name === 'work';

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('shell.skipToContent')}
      </a>
      <header className="shell__header">
        <span className="brand__name">{t('app.name')}</span>
        <ConnectionStatus />
        <div className="shell__actions">
          <SearchBox scope={searchScope} />
          <NotificationCenter />
          <DutySwitch userId={user.id} />
          <span className="shell__user" title={t('shell.signedInAs', { name: user.username })} data-testid="current-user">
            {user.display_name}
          </span>
          <a className="button" href={href({ name: 'sessions' })} aria-current={route.name === 'sessions' ? 'page' : undefined}>
            {t('shell.sessions')}
          </a>
          <a className="button" href={href({ name: 'twoFactor' })} aria-current={route.name === 'twoFactor' ? 'page' : undefined}>
            {t('shell.twoFactor')}
          </a>
          <LanguageSwitch />
          <button type="button" className="button" onClick={() => void api.logout()}>
            {t('shell.signOut')}
          </button>
        </div>
        <nav className="shell__nav" aria-label={t('nav.label')}>
          <ul>
            {nav
              .filter((n) => n.show)
              .map((n) => (
                <li key={n.route.name}>
                  <a href={href(n.route)} aria-current={current(n.route) ? 'page' : undefined}>
                    {n.label}
                    {n.badge !== undefined && n.badge.count > 0 && (
                      <span className="nav__badge" title={n.badge.label}>
                        <span aria-hidden="true">{badgeText(n.badge.count)}</span>
                        <span className="visually-hidden">{n.badge.label}</span>
                      </span>
                    )}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
      </header>
      <ConnectionTrouble />
      <div className={`layout${showSidebar ? ' layout--with-sidebar' : ''} layout--${route.name === 'home' ? 'list' : 'detail'}`}>
        {showSidebar && <Sidebar activeId={route.name === 'chat' ? route.conversationId : undefined} />}
        <main id="main" ref={mainRef} className="layout__main" tabIndex={-1}>
          <Page route={route} />
        </main>
      </div>
      <IncomingCallBanner userId={user.id} />
      <CallView me={user} />
    </div>
  );
}

function Page({ route }: { route: Route }): ReactNode {
  switch (route.name) {
    case 'work':
      return <MyWorkPage />;
    case 'home':
      return <Home />;
    case 'chat':
      return (
        <>
          <a className="back-link" href={href({ name: 'home' })}>
            ← <BackLabel />
          </a>
          <ConversationView key={route.conversationId} conversationId={route.conversationId} focusSeq={route.seq} />
        </>
      );
    case 'case':
      return <CasePage key={route.caseId} caseId={route.caseId} />;
    case 'triage':
      return <TriagePage teamId={route.teamId} />;
    case 'slots':
      return <SlotsPage teamId={route.teamId} />;
    case 'consults':
      return <ConsultsPage />;
    case 'referrals':
      return <ReferralsPage />;
    case 'intake':
      return <NewCasePage mode="intake" />;
    case 'newCase':
      return <NewCasePage mode="case" />;
    case 'people':
      return <People />;
    case 'sessions':
      return <SessionsPage />;
    case 'twoFactor':
      return <TwoFactorPage />;
    case 'admin':
      return <AdminPage tab={route.tab} teamId={route.teamId} />;
  }
}

function BackLabel() {
  const { t } = useI18n();
  return <>{t('chat.conversations')}</>;
}

function Home() {
  const { t } = useI18n();
  const { teams } = useTeams();
  return (
    <section className="page home">
      <h1 tabIndex={-1}>{t('home.title')}</h1>
      <p className="muted">{t('home.pick')}</p>
      {teams.length > 0 && (
        <>
          <h2>{t('home.myTeams')}</h2>
          <ul className="card-list">
            {teams.map((team) => (
              <li key={team.id} className="card">
                <a href={href({ name: 'chat', conversationId: team.conversation_id })}>
                  <strong>{team.name}</strong>
                </a>
                <div className="muted">
                  {team.specialty} · {team.institution}
                  {team.my_role !== undefined && <> · {t(`role.${team.my_role}`)}</>}
                </div>
                <div className="card__actions">
                  {(team.my_role === 'lead' || team.my_role === 'assistant') && (
                    <>
                      <a className="button button--small" href={href({ name: 'triage', teamId: team.id })}>
                        {t('nav.triage')}
                      </a>
                      <a className="button button--small" href={href({ name: 'slots', teamId: team.id })}>
                        {t('nav.slots')}
                      </a>
                    </>
                  )}
                  <a className="button button--small" href={`${href({ name: 'newCase' })}?team=${team.id}`}>
                    {t('cases.new')}
                  </a>
                  {team.my_role === 'lead' && (
                    <a className="button button--small" href={href({ name: 'admin', tab: 'teams', teamId: team.id })}>
                      {t('admin.roster')}
                    </a>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
