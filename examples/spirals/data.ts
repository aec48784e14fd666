/**
 * A synthetic 3-arm spiral (generated, no download): the point of arm k at radius r ∈ [0.05, 1]
 * lies at angle 2πk/3 + TWIST·r, plus Gaussian noise on both coordinates. The arms wind around each
 * other for 1.5 turns, TWIST_GAP apart along a radius, so no simple boundary separates them and
 * the noise makes a few points ambiguous. The same seed gives the same points.
 */
import { gaussian, mulberry32 } from "../lib/random.js";

export const ARMS = 3;
/** Radians of winding from the centre to radius 1: one and a half turns. */
export const TWIST = 3 * Math.PI;
/** The radial distance between neighbouring arms, (2π/3) / TWIST = 2/9. */
export const TWIST_GAP = (2 * Math.PI) / ARMS / TWIST;

export interface Points {
  /** [x1, x2] per point. */
  readonly x: number[][];
  /** Arm ids 0 .. ARMS − 1. */
  readonly y: number[];
}

/** `noise` is the standard deviation of the Gaussian added to each coordinate. */
export function spirals(pointsPerArm: number, seed: number, noise = 0.04): Points {
  const rand = mulberry32(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let k = 0; k < ARMS; k++) {
    for (let i = 0; i < pointsPerArm; i++) {
      const r = 0.05 + (0.95 * (i + rand())) / pointsPerArm;
      const angle = (2 * Math.PI * k) / ARMS + TWIST * r;
      x.push([r * Math.cos(angle) + noise * gaussian(rand), r * Math.sin(angle) + noise * gaussian(rand)]);
      y.push(k);
    }
  }
  return { x, y };
}
