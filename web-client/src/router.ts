// Hash routes (#/chat/…): the server serves one index.html, and a hash never
// reaches it, so deep links and reloads work without server-side routing.
//
// A low-level module: the feature folders link and navigate through it, and it
// imports none of them (the shell maps routes to pages; see architecture.test.ts).

import { useSyncExternalStore } from 'react';

export type AdminTab = 'users' | 'teams' | 'audit';

export type Route =
  /** 我的工作 / My work: the landing screen (`#/` and `#/work`). */
  | { name: 'work' }
  /** The conversation list (`#/chat`). */
  | { name: 'home' }
  /** `seq`: a message to show (e.g. the one a notification is about), `#/chat/<id>?seq=12`. */
  | { name: 'chat'; conversationId: string; seq?: number }
  | { name: 'case'; caseId: string }
  | { name: 'triage'; teamId?: string }
  /** 号源: a team's expert slots by week (its lead and assistants), `#/slots/<team>`. */
  | { name: 'slots'; teamId?: string }
  | { name: 'consults' }
  | { name: 'referrals' }
  | { name: 'intake' }
  | { name: 'newCase' }
  | { name: 'people' }
  /** 登录设备: the user's own signed-in devices, each of which they may end (`#/sessions`). */
  | { name: 'sessions' }
  /** 两步验证: the user's own two-factor sign-in: set up, recovery codes, turn off (`#/two-factor`). */
  | { name: 'twoFactor' }
  | { name: 'admin'; tab: AdminTab; teamId?: string };

export function parseHash(hash: string): Route {
  const [path, query] = hash.replace(/^#\/?/, '').split('?');
  const parts = path!.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [head, a, b] = parts;
  switch (head) {
    case undefined:
    case 'work':
      return { name: 'work' };
    case 'chat': {
      if (a === undefined) return { name: 'home' };
      const seq = Number(new URLSearchParams(query ?? '').get('seq') ?? Number.NaN);
      return Number.isSafeInteger(seq) && seq > 0 ? { name: 'chat', conversationId: a, seq } : { name: 'chat', conversationId: a };
    }
    case 'cases':
      return a === undefined ? { name: 'home' } : { name: 'case', caseId: a };
    case 'triage':
      return a === undefined ? { name: 'triage' } : { name: 'triage', teamId: a };
    case 'slots':
      return a === undefined ? { name: 'slots' } : { name: 'slots', teamId: a };
    case 'consults':
      return { name: 'consults' };
    case 'referrals':
      return { name: 'referrals' };
    case 'intake':
      return { name: 'intake' };
    case 'new-case':
      return { name: 'newCase' };
    case 'people':
      return { name: 'people' };
    case 'sessions':
      return { name: 'sessions' };
    case 'two-factor':
      return { name: 'twoFactor' };
    case 'admin':
      if (a === 'teams') return b === undefined ? { name: 'admin', tab: 'teams' } : { name: 'admin', tab: 'teams', teamId: b };
      if (a === 'audit') return { name: 'admin', tab: 'audit' };
      return { name: 'admin', tab: 'users' };
    default:
      return { name: 'home' };
  }
}

export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.name) {
    case 'work':
      return '#/work';
    case 'home':
      return '#/chat';
    case 'chat':
      return route.seq === undefined ? `#/chat/${e(route.conversationId)}` : `#/chat/${e(route.conversationId)}?seq=${route.seq}`;
    case 'case':
      return `#/cases/${e(route.caseId)}`;
    case 'triage':
      return route.teamId === undefined ? '#/triage' : `#/triage/${e(route.teamId)}`;
    case 'slots':
      return route.teamId === undefined ? '#/slots' : `#/slots/${e(route.teamId)}`;
    case 'consults':
      return '#/consults';
    case 'referrals':
      return '#/referrals';
    case 'intake':
      return '#/intake';
    case 'newCase':
      return '#/new-case';
    case 'people':
      return '#/people';
    case 'sessions':
      return '#/sessions';
    case 'twoFactor':
      return '#/two-factor';
    case 'admin':
      return route.teamId !== undefined ? `#/admin/teams/${e(route.teamId)}` : `#/admin/${route.tab}`;
  }
}

/** A `?key=value` parameter after the route in the hash (e.g. `#/new-case?team=…`). */
export function hashParam(name: string): string | undefined {
  const query = location.hash.split('?')[1];
  return query === undefined ? undefined : (new URLSearchParams(query).get(name) ?? undefined);
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

const subscribe = (l: () => void) => {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
};
const getHash = () => location.hash;

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, getHash, () => '');
  return parseHash(hash);
}
