// The ICE configuration of a call: the servers as the server hands them out,
// fetched again at half their lifetime, and relay only when asked for.
import { describe, expect, it, vi } from 'vitest';
import type { IceServers } from '../api/types';
import { IceConfigCache, relayOnlyRequested, rtcIceServers } from './iceConfig';

const SERVERS: IceServers = {
  ice_servers: [{ urls: ['stun:stun.example.org:3478'] }, { urls: ['turn:turn.example.org:3478?transport=udp'], username: '1767225600:u1', credential: 'c2VjcmV0' }],
  ttl_secs: 600,
};

describe('relay only', () => {
  it('is asked for by ?ice=relay in the address or by localStorage consilium.ice=relay', () => {
    expect(relayOnlyRequested('?ice=relay', null)).toBe(true);
    expect(relayOnlyRequested('?lang=zh&ice=relay', null)).toBe(true);
    expect(relayOnlyRequested('', 'relay')).toBe(true);
    expect(relayOnlyRequested('', null)).toBe(false);
    expect(relayOnlyRequested('?ice=all', 'all')).toBe(false);
  });
});

describe('the ICE servers', () => {
  it('are passed through as RTCPeerConnection takes them (no empty username or credential)', () => {
    expect(rtcIceServers(SERVERS)).toEqual([
      { urls: ['stun:stun.example.org:3478'] },
      { urls: ['turn:turn.example.org:3478?transport=udp'], username: '1767225600:u1', credential: 'c2VjcmV0' },
    ]);
  });

  it('are fetched once, again after half their lifetime; the policy is read each time', async () => {
    let now = 0;
    let relay = false;
    const fetchServers = vi.fn(async () => SERVERS);
    const cache = new IceConfigCache(fetchServers, () => relay, () => now);
    expect(await cache.configuration()).toEqual({ iceServers: rtcIceServers(SERVERS), iceTransportPolicy: 'all' });
    now = 299_000;
    relay = true;
    expect((await cache.configuration()).iceTransportPolicy).toBe('relay');
    expect(fetchServers).toHaveBeenCalledTimes(1);
    now = 300_000;
    await cache.configuration();
    expect(fetchServers).toHaveBeenCalledTimes(2);
  });

  it('a failed fetch leaves host candidates only, and is tried again next time', async () => {
    const fetchServers = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(SERVERS);
    const cache = new IceConfigCache(fetchServers, () => false);
    expect(await cache.configuration()).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    expect((await cache.configuration()).iceServers).toHaveLength(2);
  });
});
