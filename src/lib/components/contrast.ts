// WCAG 2.x contrast (success criterion 1.4.3): relative luminance and contrast ratio as the standard
// defines them, and the text colour to print on a coloured background (heatmap cells).
import { rgb } from 'd3';

/** WCAG relative luminance of a CSS colour (0 = black, 1 = white). */
export function relativeLuminance(colour: string): number {
  const c = rgb(colour);
  const channel = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

/** Contrast ratio between two CSS colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export const TEXT_DARK = '#000000';
export const TEXT_LIGHT = '#ffffff';

/**
 * Black or white, whichever contrasts more with `background`. Pure black and white are used on
 * purpose: for any background one of them reaches at least 4.58:1 (the two ratios meet at luminance
 * ≈ 0.18), so every cell passes the 4.5:1 of level AA. A softer dark grey would not: with #1a1f24
 * the worst case falls to about 4.1:1 on mid-tone cells.
 */
export function textOn(background: string): string {
  return contrastRatio(background, TEXT_DARK) >= contrastRatio(background, TEXT_LIGHT) ? TEXT_DARK : TEXT_LIGHT;
}
