// The matmul kernel's plan (compiler/wasm/emit/matmul/plan.ts), over a grid of shapes, transposes,
// SIMD and epilogues: its scratch layout (regions back to back, each as reservedBytes sizes it,
// the total their sum, what matmulScratchBytes tells the memory planner), the decisions the README
// documents (B packed into panels only from 16 rows, the A slab only with ≥ 16 k steps, a full row
// block and two column panels, ...), and that the emitter asks for exactly the plan's scratch,
// with the default tuning and with others.
import { beforeAll, describe, expect, it } from "vitest";
import { reservedBytes, type Buffer } from "../../compiler/plan/layout.js";
import { DEFAULT_TARGET } from "../../compiler/target.js";
import type { LowerContext } from "../../compiler/wasm/emit/context.js";
import {
  DEFAULT_MATMUL_TUNING,
  emitMatmul,
  matmulScratchBytes,
  planMatmul,
  type MatmulPlan,
  type MatmulTuning,
} from "../../compiler/wasm/emit/matmul.js";
import { loadCodegen } from "../../compiler/wasm/binaryen/instance.js";
import { ModuleBuilder } from "../../compiler/wasm/module.js";

const DIMS = [1, 2, 3, 4, 5, 8, 15, 16, 17, 33];
const MNK: [number, number, number][] = [];
for (const M of DIMS) for (const K of [0, 1, 15, 16, 40]) for (const N of DIMS) MNK.push([M, K, N]);
const FLAGS = [false, true];

/** Operand shapes giving op(A) M×K and op(B) K×N (with a batch axis on A when `batched`). */
function shapes(M: number, K: number, N: number, transA: boolean, transB: boolean, batched: boolean) {
  const a = transA ? [K, M] : [M, K];
  const b = transB ? [N, K] : [K, N];
  return { a: batched ? [3, ...a] : a, b };
}

function* grid(): Generator<{ M: number; K: number; N: number; plan: MatmulPlan; simd: boolean }> {
  for (const [M, K, N] of MNK)
    for (const transA of FLAGS)
      for (const transB of FLAGS)
        for (const simd of FLAGS)
          for (const epilogue of FLAGS) {
            const { a, b } = shapes(M, K, N, transA, transB, false);
            const plan = planMatmul({ a, b, transA, transB, simd, epilogue }, DEFAULT_MATMUL_TUNING);
            yield { M, K, N, plan, simd };
          }
}

describe("matmul plan: scratch layout", () => {
  it("regions are back to back from 0, each reservedBytes of its buffer, the total their sum", () => {
    for (const { plan } of grid()) {
      const { regions, bytes, offsets } = plan.scratch;
      let end = 0;
      for (const r of regions) {
        expect(r.offset).toBe(end);
        expect(r.bytes % 16).toBe(0);
        expect(r.bytes).toBeGreaterThanOrEqual(16);
        expect(offsets[r.name]).toBe(r.offset);
        end += r.bytes;
      }
      expect(bytes).toBe(end);
      expect(new Set(regions.map((r) => r.name)).size).toBe(regions.length);
    }
  });

  it("sizes each buffer as the kernel uses it", () => {
    for (const { K, N, plan } of grid()) {
      const size = (name: string) => plan.scratch.regions.find((r) => r.name === name)?.bytes;
      const N4 = N - (N % 4);
      if (plan.packB === "rows") expect(size("bRows")).toBe(reservedBytes(K * N * 4));
      if (plan.packB === "gather")
        expect(size("bPanels")).toBe(reservedBytes(K * (N4 < N ? N4 + 4 : N4) * 4));
      if (plan.packB === "panels") expect(size("bPanels")).toBe(reservedBytes(plan.panelColumns * K * 4));
      if (plan.packB === "none") expect(size("bPanels")).toBeUndefined();
      expect(size("accRow")).toBe(!plan.simd && plan.epilogue ? reservedBytes(N * 4) : undefined);
      expect(size("aSlab")).toBe(plan.aSlab ? reservedBytes(K * 16) : undefined);
      if (plan.tailPanel && plan.packB === "gather") {
        // inside the gathered panels: their last K·4 floats
        const tail = plan.scratch.offsets.tailPanel!;
        expect(tail).toBe(plan.scratch.offsets.bPanels! + N4 * K * 4);
        expect(tail + K * 16).toBeLessThanOrEqual(plan.scratch.offsets.bPanels! + size("bPanels")!);
        expect(size("tailPanel")).toBeUndefined();
      } else expect(size("tailPanel")).toBe(plan.tailPanel ? reservedBytes(K * 16) : undefined);
    }
  });

  it("matmulScratchBytes is the plan's total", () => {
    for (const { plan } of grid()) {
      const { a, b } = shapes(plan.M, plan.K, plan.N, plan.transA, plan.transB, false);
      const args = [a, b, plan.transA, plan.transB, plan.simd, plan.epilogue] as const;
      expect(matmulScratchBytes(...args, DEFAULT_MATMUL_TUNING)).toBe(plan.scratch.bytes);
    }
  });
});

describe("matmul plan: decisions", () => {
  it("packs B's panels only with SIMD, from 16 rows, with a full panel; gathers every transposed B", () => {
    for (const { M, N, plan, simd } of grid()) {
      const expected = simd
        ? plan.transB
          ? "gather"
          : M >= 16 && N >= 8
            ? "panels"
            : "none"
        : plan.transB
          ? "rows"
          : "none";
      expect(plan.packB).toBe(expected);
      expect(plan.packAsWeGo).toBe(plan.packB === "panels" && M >= 4);
    }
  });

  it("copies a transposed A to a slab only with SIMD, ≥ 16 k steps, a full row block, two panels", () => {
    for (const { M, K, N, plan, simd } of grid())
      expect(plan.aSlab).toBe(simd && plan.transA && K >= 16 && M >= 4 && N >= 16);
  });

  it("has a zero-padded tail panel exactly for N % 4 ≠ 0 with SIMD, and 4×8 tiles", () => {
    for (const { M, N, plan, simd } of grid()) {
      expect(plan.tailPanel).toBe(simd && N % 4 !== 0);
      expect([plan.mr, plan.nv, plan.panelWidth]).toEqual([4, 2, 8]);
      expect(plan.fullRows).toBe(M - (M % 4));
      expect(plan.panelColumns).toBe(N - (N % 8));
      expect(plan.vectorColumns).toBe(N - (N % 4));
      // 1×24, 2×16, 3×8 and 4×8 tiles reading B in place
      expect(plan.inPlaceVectors).toEqual([6, 4, 2, 2]);
    }
  });

  it("broadcasts the batch axes", () => {
    const plan = planMatmul(
      { a: [2, 1, 5, 3], b: [4, 3, 6], transA: false, transB: false, simd: true, epilogue: false },
      DEFAULT_MATMUL_TUNING,
    );
    expect(plan.batch).toEqual([2, 4]);
    expect([plan.M, plan.K, plan.N]).toEqual([5, 3, 6]);
  });

  it("follows the tuning it is given; the default one is frozen", () => {
    expect(Object.isFrozen(DEFAULT_MATMUL_TUNING)).toBe(true);
    expect(Object.isFrozen(DEFAULT_MATMUL_TUNING.wide)).toBe(true);
    // op(A) is 64×32 (M = 64, K = 32), N = 40
    const shape = { a: [32, 64], b: [64, 40], transA: true, transB: false, simd: true, epilogue: false };
    const plan = (t: Partial<MatmulTuning>) => planMatmul(shape, { ...DEFAULT_MATMUL_TUNING, ...t });
    expect(plan({}).packB).toBe("panels");
    expect(plan({}).aSlab).toBe(true);
    expect(plan({ packB: false }).packB).toBe("none");
    expect(plan({ packB: false }).scratch.bytes).toBe(reservedBytes(32 * 16)); // the A slab: K = 32 k steps;
    expect(plan({ packA: false }).aSlab).toBe(false);
    expect(plan({ packMinRows: 65 }).packB).toBe("none");
    expect(plan({ mr: 2, nv: 4 }).panelWidth).toBe(16);
  });
});

beforeAll(() => loadCodegen());

/** A LowerContext over a fresh module that records the kernel's scratch requests. */
function recordingContext(simd: boolean, tuning: MatmulTuning) {
  const target = { ...DEFAULT_TARGET, simd, matmul: tuning };
  const mb = new ModuleBuilder(undefined, target);
  const f = mb.fn("k");
  const requests: number[] = [];
  const c: LowerContext = {
    f,
    target,
    kernel: () => {
      throw new Error("no kernels here");
    },
    trapSite: () => 0,
    scratch: (bytes) => {
      requests.push(bytes);
      return 1 << 20;
    },
  };
  return { mb, f, c, requests };
}

describe("matmul emitter follows the plan", () => {
  const tunings: MatmulTuning[] = [
    DEFAULT_MATMUL_TUNING,
    { ...DEFAULT_MATMUL_TUNING, packB: false, packA: false },
    { ...DEFAULT_MATMUL_TUNING, packMinRows: 1, mr: 2, nv: 4, wide: [6] },
  ];
  const buf = (shape: number[], offset: number): Buffer => ({ offset, shape, dtype: "f32" });

  it("requests exactly the plan's scratch, once, and emits a valid module", () => {
    for (const tuning of tunings)
      for (const simd of FLAGS) {
        const { mb, f, c, requests } = recordingContext(simd, tuning);
        for (const [M, K, N] of [
          [1, 16, 24],
          [5, 17, 13],
          [17, 16, 16],
          [32, 20, 3],
        ] as const)
          for (const transA of FLAGS)
            for (const transB of FLAGS)
              for (const batched of FLAGS) {
                const { a, b } = shapes(M, K, N, transA, transB, batched);
                const out = buf(batched ? [3, M, N] : [M, N], 8192);
                requests.length = 0;
                emitMatmul(c, buf(a, 0), buf(b, 4096), out, transA, transB);
                const plan = planMatmul({ a, b, transA, transB, simd, epilogue: false }, tuning);
                expect(requests).toEqual(plan.scratch.bytes > 0 ? [plan.scratch.bytes] : []);
              }
        f.finish();
        expect(() => mb.emit(2 << 20, { optimize: false })).not.toThrow();
        mb.dispose();
      }
  });
});
