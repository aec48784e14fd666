/**
 * A small image data set made here, shipped as code: the ten digits drawn from a 5×7 bitmap font
 * (the classic dot-matrix glyphs), each rendered into a 16×16 image with a random scale (glyph
 * height 9 to 13 pixels), rotation (±15°), shift (±2 pixels) and stroke smoothing, plus Gaussian
 * pixel noise (σ = 0.15), then clipped to [0, 1]. Rendering maps every output pixel back through
 * the inverse transform into the glyph and samples it bilinearly, so strokes stay connected at any
 * angle. Seeded (mulberry32): the same seed gives the same images everywhere.
 */
import { gaussian, mulberry32 } from "../lib/random.js";

export const SIZE = 16;
export const CLASSES = 10;

/** The 5×7 glyphs, one string per row, '#' for ink. */
const FONT: readonly (readonly string[])[] = [
  [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
  ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
  [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
  ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
  ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
  ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
  ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
  ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
  [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
  [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
];

/** Ink of glyph `d` at (row, col) in glyph cells, bilinear between cell centres; 0 outside. */
function ink(d: number, row: number, col: number): number {
  const at = (r: number, c: number) =>
    r >= 0 && r < 7 && c >= 0 && c < 5 && FONT[d]![r]![c] === "#" ? 1 : 0;
  const [r0, c0] = [Math.floor(row), Math.floor(col)];
  const [fr, fc] = [row - r0, col - c0];
  return (
    at(r0, c0) * (1 - fr) * (1 - fc) +
    at(r0, c0 + 1) * (1 - fr) * fc +
    at(r0 + 1, c0) * fr * (1 - fc) +
    at(r0 + 1, c0 + 1) * fr * fc
  );
}

/** One 16×16 image of digit `d` (row-major, values in [0, 1]). */
export function renderDigit(d: number, rand: () => number): Float32Array {
  const height = 9 + rand() * 4; // pixels the glyph's 7 rows span
  const scale = height / 7;
  const angle = ((rand() * 2 - 1) * 15 * Math.PI) / 180;
  const [dy, dx] = [(rand() * 2 - 1) * 2, (rand() * 2 - 1) * 2];
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const img = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      // pixel centre relative to the image centre and the shift, rotated back, in glyph cells
      const [py, px] = [y + 0.5 - SIZE / 2 - dy, x + 0.5 - SIZE / 2 - dx];
      const gy = (cos * py + sin * px) / scale + 3;
      const gx = (-sin * py + cos * px) / scale + 2;
      const v = Math.min(1, 1.4 * ink(d, gy, gx)) + 0.15 * gaussian(rand);
      img[y * SIZE + x] = Math.min(1, Math.max(0, v));
    }
  return img;
}

export interface DigitSet {
  /** [count, 1, 16, 16] row-major. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

/** `count` images, the digits in turn (balanced), each drawn with fresh randomness. */
export function digitSet(count: number, seed: number): DigitSet {
  const rand = mulberry32(seed);
  const images = new Float32Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % CLASSES;
    images.set(renderDigit(i % CLASSES, rand), i * SIZE * SIZE);
  }
  return { images, labels };
}
