// The ring of an incoming call: the familiar double burst of a telephone
// (two 0.4 s bursts of 440 + 480 Hz, then silence, every 3 s), made with a
// Web Audio oscillator pair, so there are no audio files. Browsers play audio
// only after the user has interacted with the page; before that the ring is
// silent and the banner alone speaks.

export interface Ringer {
  stop(): void;
}

const CYCLE_MS = 3_000;
const BURSTS: readonly (readonly [start: number, length: number])[] = [
  [0, 0.4],
  [0.6, 0.4],
];

let context: AudioContext | null = null;

function audioContext(): AudioContext | null {
  if (typeof window === 'undefined' || window.AudioContext === undefined) return null;
  // Without a user gesture the context would stay suspended (and Chrome would log about it).
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
  if (activation !== undefined && !activation.hasBeenActive) return null;
  try {
    context ??= new window.AudioContext();
    void context.resume?.();
    return context;
  } catch {
    return null;
  }
}

function ringOnce(ctx: AudioContext): void {
  const start = ctx.currentTime + 0.05;
  const gain = ctx.createGain();
  gain.gain.value = 0;
  gain.connect(ctx.destination);
  for (const [at, length] of BURSTS) {
    gain.gain.setValueAtTime(0, start + at);
    gain.gain.linearRampToValueAtTime(0.08, start + at + 0.02);
    gain.gain.setValueAtTime(0.08, start + at + length - 0.02);
    gain.gain.linearRampToValueAtTime(0, start + at + length);
  }
  const end = start + BURSTS[BURSTS.length - 1]![0] + BURSTS[BURSTS.length - 1]![1] + 0.05;
  for (const freq of [440, 480]) {
    const osc = ctx.createOscillator();
    osc.type = 'sine';
    osc.frequency.value = freq;
    osc.connect(gain);
    osc.start(start);
    osc.stop(end);
  }
}

/** Rings until stopped (silently where audio is not allowed yet). */
export function startRinging(): Ringer {
  const ring = () => {
    const ctx = audioContext();
    if (ctx === null) return;
    try {
      ringOnce(ctx);
    } catch {
      // No audio here: the banner still shows.
    }
  };
  ring();
  const timer = setInterval(ring, CYCLE_MS);
  return { stop: () => clearInterval(timer) };
}
