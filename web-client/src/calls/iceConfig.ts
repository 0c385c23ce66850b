// The RTCPeerConnection configuration of a call: the STUN and TURN servers
// the server hands out (`GET /calls/ice-servers`, TURN credentials that
// expire after `ttl_secs`, so they are fetched again at half that), passed
// through unchanged, and the ICE transport policy.
//
// Relay only (`iceTransportPolicy: 'relay'`: every packet through TURN, as
// behind a strict hospital firewall) is chosen per browser, for diagnosing a
// network and for the end-to-end tests, by either
//   - the page address `…/?ice=relay#/chat/…`, or
//   - localStorage `consilium.ice` = `relay` (e.g. in the developer tools:
//     localStorage.setItem('consilium.ice', 'relay')); remove it to go back.
// It is read when a call starts, so a change applies to the next call.

import type { IceServers } from '../api/types';

export const ICE_POLICY_STORAGE_KEY = 'consilium.ice';

/** Whether this browser should use TURN relays only (see above). */
export function relayOnlyRequested(search: string, stored: string | null): boolean {
  return new URLSearchParams(search).get('ice') === 'relay' || stored === 'relay';
}

/** relayOnlyRequested() for this page. */
export function browserRelayOnly(): boolean {
  if (typeof window === 'undefined') return false;
  let stored: string | null = null;
  try {
    stored = window.localStorage.getItem(ICE_POLICY_STORAGE_KEY);
  } catch {
    // Storage blocked: the address alone decides.
  }
  return relayOnlyRequested(window.location.search, stored);
}

/** The servers as RTCPeerConnection takes them. */
export function rtcIceServers(answer: IceServers): RTCIceServer[] {
  return answer.ice_servers.map((s) => ({
    urls: [...s.urls],
    ...(s.username === undefined ? {} : { username: s.username }),
    ...(s.credential === undefined ? {} : { credential: s.credential }),
  }));
}

/** Fetches the ICE servers once and again when half their lifetime has passed; a failure leaves host candidates only. */
export class IceConfigCache {
  private servers: RTCIceServer[] | null = null;
  private expires = 0;

  constructor(
    private readonly fetchServers: () => Promise<IceServers>,
    private readonly relayOnly: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  async configuration(): Promise<RTCConfiguration> {
    if (this.servers === null || this.now() >= this.expires) {
      try {
        const answer = await this.fetchServers();
        this.servers = rtcIceServers(answer);
        this.expires = this.now() + Math.max(30, answer.ttl_secs) * 500;
      } catch {
        // Without STUN/TURN the browsers still connect on one network; try again next call.
        this.servers = null;
        return { iceServers: [], iceTransportPolicy: this.relayOnly() ? 'relay' : 'all' };
      }
    }
    return { iceServers: this.servers, iceTransportPolicy: this.relayOnly() ? 'relay' : 'all' };
  }
}
