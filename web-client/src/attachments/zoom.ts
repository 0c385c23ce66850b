// The viewer's zoom and pan, as plain arithmetic. The picture is first fitted
// into the stage (scale 1), then drawn with `translate(x, y) scale(s)` about
// its centre; points are in CSS pixels relative to the stage's centre.

export interface View {
  scale: number;
  x: number;
  y: number;
}

export const FIT: View = { scale: 1, x: 0, y: 0 };
export const MIN_SCALE = 0.5;
export const MAX_SCALE = 10;
/** One press of a zoom button. */
export const ZOOM_STEP = 1.25;

export function clampScale(scale: number): number {
  if (!Number.isFinite(scale)) return 1;
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/**
 * Zooms by `factor` keeping the picture's point under `at` where it is (the
 * pointer for the wheel, the centre for the buttons). Back at scale 1 or
 * below, the picture is centred again.
 */
export function zoomAt(view: View, factor: number, at: { x: number; y: number } = { x: 0, y: 0 }): View {
  const scale = clampScale(view.scale * factor);
  if (scale === view.scale) return view;
  if (scale <= 1) return { scale, x: 0, y: 0 };
  const k = scale / view.scale;
  return { scale, x: at.x - (at.x - view.x) * k, y: at.y - (at.y - view.y) * k };
}

/** The zoom factor of one wheel event: up (negative delta) zooms in; lines and pages count as pixels. */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  // Clamp so one notch of a coarse wheel is one step, and trackpads zoom smoothly.
  const bounded = Math.max(-200, Math.min(200, pixels));
  return Math.exp(-bounded * 0.002);
}

/** Moves the picture by a drag of (dx, dy); a picture that fits is not moved. */
export function panBy(view: View, dx: number, dy: number): View {
  if (view.scale <= 1 || (dx === 0 && dy === 0)) return view;
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/** "125": the zoom as whole percent of the fitted size. */
export function zoomPercent(view: View): number {
  return Math.round(view.scale * 100);
}

export function transformOf(view: View): string {
  return `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
}
