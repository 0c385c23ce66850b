// Administration: the users, teams and audit log tabs for admins, and a team's
// roster (which a team's lead may open too). One file per screen:
// UsersAdmin.tsx, TeamsAdmin.tsx, AuditAdmin.tsx, RosterPage.tsx.

import { useI18n } from '../i18n/useI18n';
import { href, type AdminTab } from '../router';
import { useAuth } from '../session';
import { AuditAdmin } from './AuditAdmin';
import { RosterPage } from './RosterPage';
import { TeamsAdmin } from './TeamsAdmin';
import { UsersAdmin } from './UsersAdmin';

/** Accounts, teams and rosters. Admins see all of it; a team's lead may open its roster. */
export function AdminPage({ tab, teamId }: { tab: AdminTab; teamId: string | undefined }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const isAdmin = session?.user.role === 'admin';
  if (teamId !== undefined) return <RosterPage teamId={teamId} isAdmin={isAdmin} />;
  if (!isAdmin) {
    return (
      <section className="page">
        <h1 tabIndex={-1}>{t('admin.title')}</h1>
        <p>{t('error.forbidden')}</p>
      </section>
    );
  }
  return (
    <section className="page admin" aria-labelledby="admin-heading">
      <h1 id="admin-heading" tabIndex={-1}>
        {t('admin.title')}
      </h1>
      <nav className="tabs" aria-label={t('admin.title')}>
        <a className={tab === 'users' ? 'tab tab--active' : 'tab'} aria-current={tab === 'users' ? 'page' : undefined} href={href({ name: 'admin', tab: 'users' })}>
          {t('admin.users')}
        </a>
        <a className={tab === 'teams' ? 'tab tab--active' : 'tab'} aria-current={tab === 'teams' ? 'page' : undefined} href={href({ name: 'admin', tab: 'teams' })}>
          {t('admin.teams')}
        </a>
        <a className={tab === 'audit' ? 'tab tab--active' : 'tab'} aria-current={tab === 'audit' ? 'page' : undefined} href={href({ name: 'admin', tab: 'audit' })}>
          {t('audit.tab')}
        </a>
      </nav>
      {tab === 'users' ? <UsersAdmin /> : tab === 'teams' ? <TeamsAdmin /> : <AuditAdmin />}
    </section>
  );
}
