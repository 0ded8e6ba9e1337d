// Series styles that stay distinguishable without colour: each series has its own marker shape and
// dash pattern as well as a colour (Okabe–Ito palette, safe for colour-vision deficiencies), and
// charts label lines directly at their ends.
import { symbolCircle, symbolSquare, symbolTriangle, symbolDiamond, symbolCross, symbolStar, symbolWye, symbol, type SymbolType } from 'd3';

export const PALETTE = ['#0b5cad', '#d55e00', '#009e73', '#7a4fa3', '#b8860b', '#cc3d7a', '#4d4d4d'];
export const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 2 1 2'];
const SHAPES: SymbolType[] = [symbolCircle, symbolSquare, symbolTriangle, symbolDiamond, symbolCross, symbolStar, symbolWye];

export interface SeriesStyle {
  color: string;
  dash: string;
  marker: string;
}

export function seriesStyle(i: number): SeriesStyle {
  return {
    color: PALETTE[i % PALETTE.length],
    dash: DASHES[i % DASHES.length],
    marker: symbol(SHAPES[i % SHAPES.length], 42)() ?? '',
  };
}
