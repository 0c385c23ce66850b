import { describe, expect, it } from 'vitest';
import { clampScale, FIT, MAX_SCALE, MIN_SCALE, panBy, transformOf, wheelFactor, ZOOM_STEP, zoomAt, zoomPercent, type View } from './zoom';

/** Where a picture point p (relative to the picture's centre, unscaled) is drawn, relative to the stage's centre. */
const drawn = (v: View, p: { x: number; y: number }) => ({ x: v.x + v.scale * p.x, y: v.y + v.scale * p.y });
/** The picture point under a stage point. */
const under = (v: View, q: { x: number; y: number }) => ({ x: (q.x - v.x) / v.scale, y: (q.y - v.y) / v.scale });

describe('viewer zoom and pan', () => {
  it('zooms about the centre with the buttons, and reads as whole percent', () => {
    const v = zoomAt(FIT, ZOOM_STEP);
    expect(v).toEqual({ scale: 1.25, x: 0, y: 0 });
    expect(zoomPercent(v)).toBe(125);
    expect(zoomPercent(zoomAt(v, 1 / ZOOM_STEP))).toBe(100);
  });

  it('keeps the point under the pointer where it is', () => {
    const pointer = { x: 120, y: -40 };
    let v = zoomAt(FIT, 2, pointer);
    const spot = under(FIT, pointer);
    expect(drawn(v, spot)).toEqual(pointer);
    const other = { x: -200, y: 90 };
    const spot2 = under(v, other);
    v = zoomAt(v, 1.7, other);
    expect(drawn(v, spot2).x).toBeCloseTo(other.x, 9);
    expect(drawn(v, spot2).y).toBeCloseTo(other.y, 9);
  });

  it('stays between the limits, and recentres once back to fit or smaller', () => {
    expect(clampScale(100)).toBe(MAX_SCALE);
    expect(clampScale(0.01)).toBe(MIN_SCALE);
    expect(clampScale(Number.NaN)).toBe(1);
    let v: View = { scale: MAX_SCALE, x: 10, y: 10 };
    expect(zoomAt(v, 2, { x: 50, y: 50 })).toBe(v); // no change at the limit
    v = zoomAt({ scale: 2, x: 80, y: -30 }, 0.5, { x: 100, y: 100 });
    expect(v).toEqual({ scale: 1, x: 0, y: 0 });
    expect(zoomAt(FIT, 0.1)).toEqual({ scale: MIN_SCALE, x: 0, y: 0 });
  });

  it('pans a zoomed picture by the drag, and leaves a fitted one in place', () => {
    expect(panBy({ scale: 2, x: 5, y: 5 }, 10, -20)).toEqual({ scale: 2, x: 15, y: -15 });
    expect(panBy(FIT, 10, 10)).toBe(FIT);
  });

  it('turns the wheel into a factor: up zooms in, down out, symmetric, bounded', () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1, 12);
    expect(wheelFactor(0)).toBe(1);
    expect(wheelFactor(-3, 1)).toBe(wheelFactor(-48)); // lines
    expect(wheelFactor(-10_000)).toBe(wheelFactor(-200));
  });

  it('draws with translate then scale', () => {
    expect(transformOf({ scale: 1.5, x: 12, y: -3 })).toBe('translate(12px, -3px) scale(1.5)');
  });
});
