/**
 * The one thin, typed wrapper over binaryen.js. Kernel emitters get a `FnBuilder`: typed locals,
 * structured loops, memory helpers and binaryen's own typed op namespaces (`f32`, `i32`, `v128`,
 * `f32x4`, `i32x4`); nothing else in the compiler handles a raw binaryen module.
 */
import type Binaryen from "binaryen";
import { binaryen } from "./binaryen/instance.js";
import type { Target } from "../target.js";
import type { TrapSite } from "../../runtime/manifest.js";

export type Expr = number;
export type ValType = "i32" | "f32" | "f64" | "v128";

let types: Readonly<Record<ValType, Binaryen.Type>> | undefined;

/** binaryen's value type (read on first use: the first compile loads binaryen, instance.ts). */
function typeOf(t: ValType): Binaryen.Type {
  types ??= { i32: binaryen.i32, f32: binaryen.f32, f64: binaryen.f64, v128: binaryen.v128 };
  return types[t];
}

export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/**
 * An unfused multiply-add of the matmul kernels, `local.set l (f32x4.add (local.get l) (f32x4.mul
 * a b))`, which the module's relaxed variant fuses in place (ModuleBuilder.emitRelaxedVariant).
 */
interface MaddSite {
  readonly set: Expr;
  readonly a: Expr;
  readonly b: Expr;
  readonly local: Local;
}

/** a·b + c on 4 f32 lanes, relaxed SIMD (binaryen.js has no wrapper: the C API). */
function relaxedMadd(mod: Binaryen.Module, a: Expr, b: Expr, c: Expr): Expr {
  const api = binaryen as unknown as {
    _BinaryenSIMDTernary(module: number, op: number, a: Expr, b: Expr, c: Expr): Expr;
  };
  return api._BinaryenSIMDTernary(mod.ptr, binaryen.RelaxedMaddVecF32x4, a, b, c);
}

/** Builds the body of one function: declares locals, emits statements in order. */
export class FnBuilder {
  private readonly vars: Binaryen.Type[] = [];
  private readonly body: Expr[] = [];
  private labels = 0;

  constructor(
    private readonly mod: Binaryen.Module,
    readonly name: string,
    private readonly params: readonly ValType[] = [],
    private readonly maddSites: MaddSite[] = [],
  ) {}

  get i32() {
    return this.mod.i32;
  }
  get f32() {
    return this.mod.f32;
  }
  get f64() {
    return this.mod.f64;
  }
  get v128() {
    return this.mod.v128;
  }
  get f32x4() {
    return this.mod.f32x4;
  }
  get i32x4() {
    return this.mod.i32x4;
  }
  /** a·b + c on 4 f32 lanes, fused or not as the engine chooses (relaxed SIMD; binaryen.js has no
   * wrapper for it, so this goes through the C API). */
  relaxedMadd(a: Expr, b: Expr, c: Expr): Expr {
    return relaxedMadd(this.mod, a, b, c);
  }

  /**
   * `l = a·b + l` on 4 f32 lanes: one `f32x4.relaxed_madd` when `fused`, else a multiply and an
   * add, recorded so that the module's relaxed variant can fuse them (emitRelaxedVariant).
   */
  accumulate(l: Local, a: Expr, b: Expr, fused: boolean): Expr {
    if (fused) return this.set(l, this.relaxedMadd(a, b, this.get(l)));
    const set = this.set(l, this.f32x4.add(this.get(l), this.f32x4.mul(a, b)));
    this.maddSites.push({ set, a, b, local: l });
    return set;
  }

  param(index: number): Local {
    return { index, type: this.params[index]! };
  }

  local(type: ValType): Local {
    this.vars.push(typeOf(type));
    return { index: this.params.length + this.vars.length - 1, type };
  }

  get(l: Local): Expr {
    return this.mod.local.get(l.index, typeOf(l.type));
  }
  set(l: Local, value: Expr): Expr {
    return this.mod.local.set(l.index, value);
  }
  tee(l: Local, value: Expr): Expr {
    return this.mod.local.tee(l.index, value, typeOf(l.type));
  }

  c32(n: number): Expr {
    return this.mod.i32.const(n | 0);
  }
  cf32(x: number): Expr {
    return this.mod.f32.const(x);
  }
  cf64(x: number): Expr {
    return this.mod.f64.const(x);
  }
  splatF32(x: number): Expr {
    return this.mod.f32x4.splat(this.mod.f32.const(x));
  }
  splatI32(x: number): Expr {
    return this.mod.i32x4.splat(this.mod.i32.const(x | 0));
  }

  call(name: string, args: readonly Expr[], result: ValType | "none"): Expr {
    return this.mod.call(name, [...args], result === "none" ? binaryen.none : typeOf(result));
  }
  select(cond: Expr, ifTrue: Expr, ifFalse: Expr): Expr {
    return this.mod.select(cond, ifTrue, ifFalse);
  }
  drop(e: Expr): Expr {
    return this.mod.drop(e);
  }
  block(children: readonly Expr[]): Expr {
    return this.mod.block(null, [...children], binaryen.none);
  }
  /** A block of statements ending in a value of type `type`. */
  valueBlock(children: readonly Expr[], type: ValType): Expr {
    return this.mod.block(null, [...children], typeOf(type));
  }
  nop(): Expr {
    return this.mod.nop();
  }
  /** `if (cond) { then }` as a statement. */
  when(cond: Expr, then: readonly Expr[]): Expr {
    return this.mod.if(cond, this.mod.block(null, [...then], binaryen.none));
  }
  /** `if (cond) { then } else { otherwise }` as a statement. */
  ifElse(cond: Expr, then: readonly Expr[], otherwise: readonly Expr[]): Expr {
    return this.mod.if(
      cond,
      this.mod.block(null, [...then], binaryen.none),
      this.mod.block(null, [...otherwise], binaryen.none),
    );
  }
  /**
   * Stops the call with a trap after telling the runtime why: which check failed (`site`, an index
   * of ModuleBuilder.traps) and the value it rejected, in the exported globals TRAP_GLOBALS.
   */
  trap(site: number, value: Expr): Expr {
    return this.mod.block(null, [
      this.mod.global.set(TRAP_GLOBALS.site, this.c32(site + 1)),
      this.mod.global.set(TRAP_GLOBALS.value, value),
      this.mod.unreachable(),
    ]);
  }

  memcpy(dst: Expr, src: Expr, bytes: Expr): Expr {
    return this.mod.memory.copy(dst, src, bytes);
  }
  memfill(dst: Expr, byte: Expr, bytes: Expr): Expr {
    return this.mod.memory.fill(dst, byte, bytes);
  }

  /** Appends a statement to the function body. */
  emit(...stmts: Expr[]): void {
    this.body.push(...stmts);
  }

  /**
   * `for (i = start; i < end; i += step) body(i)` as a statement. `body` may return one or
   * several statements. The loop is skipped when start >= end.
   */
  forLoop(i: Local, start: Expr, end: Expr, step: number, body: () => Expr | readonly Expr[]): Expr {
    const id = this.labels++;
    const exit = `exit${id}`;
    const top = `loop${id}`;
    const stmts = body();
    const inner = Array.isArray(stmts) ? (stmts as Expr[]) : [stmts as Expr];
    const end_ = this.local("i32");
    return this.mod.block(exit, [
      this.set(i, start),
      this.set(end_, end),
      this.mod.br(exit, this.mod.i32.ge_s(this.get(i), this.get(end_))),
      this.mod.loop(
        top,
        this.mod.block(null, [
          ...inner,
          this.set(i, this.mod.i32.add(this.get(i), this.c32(step))),
          this.mod.br(top, this.mod.i32.lt_s(this.get(i), this.get(end_))),
        ]),
      ),
    ]);
  }

  /**
   * `do { body } while (cond)` as a statement: the body runs at least once, and `cond` is
   * evaluated after it (a loop whose only counter is a pointer the body advances).
   */
  doWhile(body: readonly Expr[], cond: Expr): Expr {
    const top = `loop${this.labels++}`;
    return this.mod.loop(top, this.mod.block(null, [...body, this.mod.br(top, cond)]));
  }

  /** Adds the function to the module (optionally exported under `exportAs`). */
  finish(result: ValType | "none" = "none", exportAs?: string): void {
    const params = binaryen.createType(this.params.map((p) => typeOf(p)));
    this.mod.addFunction(
      this.name,
      params,
      result === "none" ? binaryen.none : typeOf(result),
      this.vars,
      this.mod.block(null, this.body, binaryen.none),
    );
    if (exportAs) this.mod.addFunctionExport(this.name, exportAs);
  }
}

export interface DataSegment {
  readonly offset: number;
  readonly data: Uint8Array;
}

/**
 * The exported mutable globals a trap leaves its reason in (FnBuilder.trap): `trap_site`, the
 * index + 1 of the failed check in `traps` (0: no check failed), and `trap_value`, the value.
 */
export const TRAP_GLOBALS = { site: "trap_site", value: "trap_value" } as const;

/** A module under construction, started from the compiled AssemblyScript kernels. */
export class ModuleBuilder {
  /** The checks compiled code makes as it runs (the manifest lists them for the runtime). */
  readonly traps: TrapSite[] = [];
  private readonly mod: Binaryen.Module;
  private readonly kernelExports = new Map<string, string>();
  /** First byte after the kernels' own static data. */
  readonly reservedBytes: number;
  private readonly segments: DataSegment[] = [];
  private readonly maddSites: MaddSite[] = [];
  private emitted: { readonly optimized: boolean } | undefined;

  /** `target` sets the module's features: SIMD, relaxed SIMD (compiler/pipeline/target.ts). */
  constructor(
    kernels: Uint8Array | undefined,
    readonly target: Target,
  ) {
    const { simd, relaxedSimd } = target;
    if (!binaryen)
      throw new Error("internal: ModuleBuilder before loadCodegen() (compiler/wasm/binaryen/instance.ts)");
    this.mod = kernels ? binaryen.readBinary(kernels) : new binaryen.Module();
    const features =
      binaryen.Features.MVP |
      binaryen.Features.NontrappingFPToInt |
      binaryen.Features.BulkMemory |
      binaryen.Features.BulkMemoryOpt |
      binaryen.Features.SignExt |
      binaryen.Features.MutableGlobals |
      (simd ? binaryen.Features.SIMD128 : 0) |
      (relaxedSimd ? binaryen.Features.RelaxedSIMD : 0);
    this.mod.setFeatures(features);
    // Static data of the kernels (constant tables) keeps its place; generated tensors go after it.
    let reserved = 0;
    const withSegments = this.mod as unknown as SegmentAccess;
    for (let i = 0; i < withSegments.getNumDataSegments(); i++) {
      const info = withSegments.getDataSegmentInfo(withSegments.getDataSegmentByIndex(i));
      if (info.passive || info.offset === null)
        throw new Error("internal: passive data segments in kernels are not supported");
      reserved = Math.max(reserved, info.offset + info.data.byteLength);
      this.segments.push({ offset: info.offset, data: new Uint8Array(info.data) });
    }
    this.reservedBytes = reserved;
    // Keep the kernels as internal functions; the generated code calls them by name.
    const exportCount = this.mod.getNumExports();
    const names: string[] = [];
    for (let i = 0; i < exportCount; i++)
      names.push(binaryen.getExportInfo(this.mod.getExportByIndex(i)).name);
    for (const name of names) {
      const info = binaryen.getExportInfo(this.mod.getExport(name));
      if (info.kind === binaryen.ExternalFunction) this.kernelExports.set(name, info.value);
      this.mod.removeExport(name);
    }
  }

  /** The internal name of a kernel exported by the AssemblyScript module. */
  kernel(exportName: string): string {
    const internal = this.kernelExports.get(exportName);
    if (!internal) throw new Error(`internal: kernel '${exportName}' is missing from build/kernels.wasm`);
    return internal;
  }

  /** Registers a check compiled code makes; returns its index, which FnBuilder.trap takes. */
  trapSite(site: TrapSite): number {
    // the same check in several entries (forward, backward, train) is one site
    const key = JSON.stringify(site);
    const known = this.traps.findIndex((t) => JSON.stringify(t) === key);
    if (known >= 0) return known;
    this.traps.push(site);
    return this.traps.length - 1;
  }

  hasKernels(): boolean {
    return this.kernelExports.size > 0;
  }

  fn(name: string, params: readonly ValType[] = []): FnBuilder {
    return new FnBuilder(this.mod, name, params, this.maddSites);
  }

  addData(offset: number, data: Uint8Array): void {
    this.segments.push({ offset, data });
  }

  /** Makes the function `name` the module's start function, run once when it is instantiated. */
  setStart(name: string): void {
    this.mod.setStart(this.mod.getFunction(name));
  }

  addCustomSection(name: string, contents: Uint8Array): void {
    this.mod.addCustomSection(name, contents);
  }

  /** Sets the one memory (fixed size, exported as `memory`), optimizes, validates and emits. */
  emit(memoryBytes: number, options: { optimize: boolean }): { binary: Uint8Array; text: () => string } {
    // last, so that they come after the entry points among the exports
    for (const name of Object.values(TRAP_GLOBALS)) {
      this.mod.addGlobal(name, binaryen.i32, true, this.mod.i32.const(0));
      this.mod.addGlobalExport(name, name);
    }
    const pages = Math.max(1, Math.ceil(memoryBytes / 65536));
    this.mod.setMemory(
      pages,
      pages,
      "memory",
      this.segments.map((s) => ({ offset: this.mod.i32.const(s.offset), data: s.data, passive: false })),
    );
    if (options.optimize) {
      binaryen.setOptimizeLevel(3);
      binaryen.setShrinkLevel(0);
      const flexible = binaryen.getFlexibleInlineMaxSize();
      this.markVectorMathInlinable();
      try {
        this.mod.optimize();
      } finally {
        binaryen.setFlexibleInlineMaxSize(flexible);
      }
    } else {
      this.mod.runPasses(["remove-unused-module-elements"]);
    }
    if (!this.mod.validate()) throw new Error("internal: the generated module does not validate");
    this.emitted = { optimized: options.optimize };
    const binary = this.mod.emitBinary();
    return { binary, text: () => this.mod.emitText() };
  }

  /**
   * Lets Binaryen inline the f32x4 math helpers (exp_v128, tanh_v128, ...) into the kernels that
   * call them, and no other AssemblyScript function. A helper is called once per 4 elements from
   * the hottest loops (tanh in an RNN step's matmul epilogue, exp in softmax), and V8 spills every
   * live v128 register around a call, so the call cost about as much as the polynomial: inlining
   * made W2 (bench) 5% faster. Their size (tanh_v128 with exp_v128 inside: 90-120 Binaryen IR
   * nodes) is above Binaryen's default limit for functions with several callers (20), so the
   * limit is raised to 128 for this optimization; the scalar helpers, which only run in the
   * tails of loops, are marked not to be inlined, and so are the initializers. Cost: W2's module
   * grows from 19.8 KB to 31.3 KB (its weights are 164 KB); models without transcendental
   * functions are unchanged.
   */
  private markVectorMathInlinable(): void {
    for (const [exportName, internal] of this.kernelExports) {
      if (exportName.endsWith("_v128")) continue;
      binaryen.setPassArgument("no-inline", internal);
      this.mod.runPasses(["no-inline"]);
    }
    binaryen.setPassArgument("no-inline", null);
    binaryen.setFlexibleInlineMaxSize(VECTOR_MATH_INLINE_MAX_SIZE);
  }

  /** Whether lowering recorded a multiply-add that the relaxed variant fuses (a matmul's). */
  get hasMultiplyAdds(): boolean {
    return this.maddSites.length > 0;
  }

  /**
   * The relaxed-SIMD variant of the module `emit` just wrote (which must not have optimized it):
   * every recorded multiply-add fused into `f32x4.relaxed_madd`, in place, and nothing else
   * changed, so that it is what lowering with `relaxedSimd` builds, without lowering again.
   */
  emitRelaxedVariant(): Uint8Array {
    if (!this.emitted || this.emitted.optimized) {
      throw new Error("internal: emitRelaxedVariant needs a module emitted without optimizing");
    }
    const api = binaryen as unknown as { _BinaryenLocalSetSetValue(set: Expr, value: Expr): void };
    for (const site of this.maddSites) {
      const acc = this.mod.local.get(site.local.index, typeOf(site.local.type));
      api._BinaryenLocalSetSetValue(site.set, relaxedMadd(this.mod, site.a, site.b, acc));
    }
    this.mod.setFeatures(this.mod.getFeatures() | binaryen.Features.RelaxedSIMD);
    if (!this.mod.validate()) throw new Error("internal: the relaxed variant does not validate");
    return this.mod.emitBinary();
  }

  dispose(): void {
    this.mod.dispose();
  }
}

/** Binaryen's flexible-inlining limit (IR nodes) while a module is optimized; see markVectorMathInlinable. */
const VECTOR_MATH_INLINE_MAX_SIZE = 128;

/** Data-segment accessors binaryen.js has but does not declare in its typings. */
interface SegmentAccess {
  getNumDataSegments(): number;
  getDataSegmentByIndex(index: number): number;
  getDataSegmentInfo(ref: number): {
    name: string;
    offset: number | null;
    data: ArrayBuffer;
    passive: boolean;
  };
}
