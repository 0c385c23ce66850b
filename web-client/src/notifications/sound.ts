// A short, distinct two-tone beep for urgent messages and escalations
// (attention.ts decides when), made with a Web Audio oscillator: no audio
// files. Browsers allow audio only after the user has interacted with the
// page, so the first interaction is remembered here.

let interacted = false;
let context: AudioContext | null = null;

if (typeof window !== 'undefined') {
  const mark = () => {
    interacted = true;
    window.removeEventListener('pointerdown', mark);
    window.removeEventListener('keydown', mark);
  };
  window.addEventListener('pointerdown', mark, { passive: true });
  window.addEventListener('keydown', mark);
}

export function hasInteracted(): boolean {
  return interacted;
}

export function playUrgentBeep(): void {
  try {
    const Ctor = typeof window === 'undefined' ? undefined : window.AudioContext;
    if (Ctor === undefined) return;
    context ??= new Ctor();
    const ctx = context;
    void ctx.resume?.();
    const start = ctx.currentTime;
    for (const [i, freq] of [880, 1320, 880].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      const t0 = start + i * 0.18;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.15, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.15);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.16);
    }
  } catch {
    // No audio here: the notice itself still shows.
  }
}
