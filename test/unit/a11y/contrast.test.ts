// Heatmap text colour (src/lib/components/contrast.ts): whatever the value and the colour scheme, the
// text printed in a cell reaches the 4.5:1 of WCAG 1.4.3 level AA against the cell's colour.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { interpolateBlues, interpolateOranges, interpolateViridis, rgb } from 'd3';
import { contrastRatio, relativeLuminance, textOn } from '../../../src/lib/components/contrast.ts';
import { PALETTE } from '../../../src/lib/components/chart-style.ts';

describe('WCAG contrast', () => {
  it('matches the standard at known points', () => {
    expect(relativeLuminance('#000')).toBe(0);
    expect(relativeLuminance('#fff')).toBeCloseTo(1, 10);
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 10);
    expect(contrastRatio('#fff', '#fff')).toBeCloseTo(1, 10);
    // #767676 on white is the well-known lightest grey that passes 4.5:1.
    expect(contrastRatio('#767676', '#fff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#777777', '#fff')).toBeLessThan(4.5);
    expect(contrastRatio('#1f5fa8', '#fff')).toBeCloseTo(contrastRatio('#fff', '#1f5fa8'), 12);
  });

  it('picks black or white text that reaches 4.5:1 on any heatmap cell colour', () => {
    for (const scheme of [interpolateBlues, interpolateOranges, interpolateViridis]) {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (t) => {
          const bg = scheme(t);
          expect(contrastRatio(bg, textOn(bg))).toBeGreaterThanOrEqual(4.5);
        }),
        { numRuns: 400 },
      );
    }
  });

  it('picks readable text on any colour at all (the worst case is about 4.58:1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (r, g, b) => {
        const bg = rgb(r, g, b).formatHex();
        expect(contrastRatio(bg, textOn(bg))).toBeGreaterThanOrEqual(4.5);
      }),
      { numRuns: 2000 },
    );
  });

  it('draws chart series in colours that reach 3:1 against the white chart background (WCAG 1.4.11)', () => {
    for (const c of PALETTE) expect(contrastRatio(c, '#ffffff'), c).toBeGreaterThanOrEqual(3);
  });

  it('uses white on the dark end and black on the light end of a scale', () => {
    expect(textOn(interpolateBlues(1))).toBe('#ffffff');
    expect(textOn(interpolateBlues(0))).toBe('#000000');
    expect(textOn(interpolateOranges(1))).toBe('#ffffff');
  });
});
