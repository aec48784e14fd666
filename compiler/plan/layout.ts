/**
 * The static memory layout of a compiled model: one linear memory, every tensor at an offset fixed
 * at compile time, nothing allocated at run time.
 *
 *   [kernel static data][persistent: inputs, params, grads, outputs, states, constants][arena]
 *
 * Persistent tensors keep their place across calls (the manifest publishes their offsets).
 * The arena holds the intermediates (and kernel scratch) of one entry point; entries run one at a
 * time, so they share it. Within an entry, the memory planner (this directory) gives every intermediate an offset in the
 * arena so that values whose lifetimes do not overlap share bytes; `Region` is the bump allocator
 * of the persistent part.
 */
import { sizeOf, type DType, type Shape } from "../ir/shape.js";

export const ALIGN = 16;

export interface Buffer {
  /** Byte offset of element 0. */
  readonly offset: number;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** How a tensor of `dtype` is stored: f32 as f32, i32 and bool as i32 (4 bytes each). */
export const storedDType = (dtype: string): "f32" | "i32" => (dtype === "f32" ? "f32" : "i32");

export const alignUp = (n: number, a = ALIGN): number => Math.ceil(n / a) * a;
export const byteSize = (shape: Shape): number => sizeOf(shape) * 4;
/** The bytes a buffer of `bytes` occupies: at least one element, rounded up to ALIGN. */
export const reservedBytes = (bytes: number): number => alignUp(Math.max(bytes, 4));

/** A bump allocator over a region of memory. */
export class Region {
  private top: number;
  constructor(readonly start: number) {
    this.top = alignUp(start);
  }
  allocate(shape: Shape, dtype: DType): Buffer {
    const offset = this.top;
    this.top = offset + reservedBytes(byteSize(shape));
    return { offset, shape, dtype };
  }
  get end(): number {
    return this.top;
  }
}
