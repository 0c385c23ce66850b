// Camera and microphone: what a refusal means, and each tried alone when both together fail.
import { describe, expect, it, vi } from 'vitest';
import { acquireMedia, mediaProblemOf } from './media';
import { fakeStream, fakeTrack } from './testing';

const named = (name: string) => Object.assign(new Error(name), { name });

describe('mediaProblemOf', () => {
  it('tells blocked, absent, busy and unsupported apart', () => {
    expect(mediaProblemOf(named('NotAllowedError'))).toBe('denied');
    expect(mediaProblemOf(named('SecurityError'))).toBe('denied');
    expect(mediaProblemOf(named('NotFoundError'))).toBe('absent');
    expect(mediaProblemOf(named('OverconstrainedError'))).toBe('absent');
    expect(mediaProblemOf(named('NotReadableError'))).toBe('busy');
    expect(mediaProblemOf(new TypeError('x'))).toBe('unsupported');
    expect(mediaProblemOf('weird')).toBe('other');
  });
});

describe('acquireMedia', () => {
  it('both at once when it can', async () => {
    const mic = fakeTrack('audio');
    const cam = fakeTrack('video');
    const getUserMedia = vi.fn(async () => fakeStream(mic, cam));
    expect(await acquireMedia({ getUserMedia })).toEqual({ microphone: mic, camera: cam, problem: null });
    expect(getUserMedia).toHaveBeenCalledTimes(1);
  });

  it('a laptop without a camera still brings its microphone, saying why the camera is missing', async () => {
    const mic = fakeTrack('audio');
    const getUserMedia = vi.fn(async (c: MediaStreamConstraints) => {
      if (c.video) throw named('NotFoundError');
      return fakeStream(mic);
    });
    expect(await acquireMedia({ getUserMedia })).toEqual({ microphone: mic, camera: null, problem: 'absent' });
  });

  it('nothing at all: neither, with the reason; no API: unsupported', async () => {
    expect(await acquireMedia({ getUserMedia: async () => Promise.reject(named('NotAllowedError')) })).toEqual({ microphone: null, camera: null, problem: 'denied' });
    expect(await acquireMedia({})).toEqual({ microphone: null, camera: null, problem: 'unsupported' });
  });
});
