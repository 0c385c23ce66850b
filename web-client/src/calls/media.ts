// The camera and microphone for a call, and what to say when they cannot be
// had. The browser refuses them for several reasons a person must tell apart:
// blocked for this site (`denied`), no such device (`absent`), held by
// another program (`busy`), no API at all here, e.g. a page not served over
// https (`unsupported`). When both together fail we still try each alone, so
// a laptop without a camera joins with its microphone; when nothing works the
// user may join listen-only (calls/controller.ts).

/** Why a camera or microphone is missing. */
export type MediaProblem = 'denied' | 'absent' | 'busy' | 'unsupported' | 'other';

/** The browser's media APIs (tests pass fakes). */
export interface MediaEnvironment {
  getUserMedia?: ((constraints: MediaStreamConstraints) => Promise<MediaStream>) | undefined;
  getDisplayMedia?: ((options: DisplayMediaStreamOptions) => Promise<MediaStream>) | undefined;
}

export interface AcquiredMedia {
  microphone: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  /** Why one or both are missing; null when both are there. */
  problem: MediaProblem | null;
}

/** The media APIs of this browser, looked up when used (absent outside a secure context). */
export function browserMedia(): MediaEnvironment {
  const devices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  return {
    getUserMedia: devices?.getUserMedia === undefined ? undefined : (c) => devices.getUserMedia(c),
    getDisplayMedia: devices?.getDisplayMedia === undefined ? undefined : (o) => devices.getDisplayMedia(o),
  };
}

/** What a getUserMedia rejection means for the user. */
export function mediaProblemOf(error: unknown): MediaProblem {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'absent';
    case 'NotReadableError':
    case 'AbortError':
    case 'TrackStartError':
      return 'busy';
    case 'TypeError':
      return 'unsupported';
    default:
      return 'other';
  }
}

const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };
const AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true };

/** The microphone and camera, each if it can be had; never rejects. */
export async function acquireMedia(env: MediaEnvironment): Promise<AcquiredMedia> {
  const get = env.getUserMedia;
  if (get === undefined) return { microphone: null, camera: null, problem: 'unsupported' };
  try {
    const stream = await get({ audio: AUDIO, video: VIDEO });
    const microphone = stream.getAudioTracks()[0] ?? null;
    const camera = stream.getVideoTracks()[0] ?? null;
    return { microphone, camera, problem: microphone === null || camera === null ? 'absent' : null };
  } catch (error) {
    const problem = mediaProblemOf(error);
    const microphone = await single(get, 'audio');
    const camera = await single(get, 'video');
    return { microphone, camera, problem };
  }
}

async function single(get: NonNullable<MediaEnvironment['getUserMedia']>, kind: 'audio' | 'video'): Promise<MediaStreamTrack | null> {
  try {
    const stream = await get(kind === 'audio' ? { audio: AUDIO } : { video: VIDEO });
    return (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0] ?? null;
  } catch {
    return null;
  }
}
