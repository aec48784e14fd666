/**
 * The static memory layout of a compiled model: one linear memory, every tensor at an offset fixed
 * at compile time, nothing allocated at run time.
 *
 *   [kernel static data][persistent: inputs, params, grads, outputs, states, constants][scratch]
 *
 * Persistent tensors keep their place across calls (the manifest publishes their offsets).
 * Scratch holds the intermediates of one entry point; entries run one at a time, so they share it.
 * This is the simple plan: each intermediate of an entry gets its own bytes. (The optimizer issue
 * replaces it with liveness-based packing.)
 */
import { sizeOf, type DType, type Shape } from "../ir/shape.js";

export const ALIGN = 16;

export interface Buffer {
  /** Byte offset of element 0. */
  readonly offset: number;
  readonly shape: Shape;
  readonly dtype: DType;
}

export const alignUp = (n: number, a = ALIGN): number => Math.ceil(n / a) * a;
export const byteSize = (shape: Shape): number => sizeOf(shape) * 4;

/** A bump allocator over a region of memory. */
export class Region {
  private top: number;
  constructor(readonly start: number) {
    this.top = alignUp(start);
  }
  allocate(shape: Shape, dtype: DType): Buffer {
    const offset = this.top;
    this.top = alignUp(offset + Math.max(byteSize(shape), 4));
    return { offset, shape, dtype };
  }
  /** Raw scratch bytes (packing buffers). */
  allocateBytes(bytes: number): number {
    const offset = this.top;
    this.top = alignUp(offset + Math.max(bytes, 4));
    return offset;
  }
  get end(): number {
    return this.top;
  }
}
