// f64 log and cos for the Box-Muller initializer (init.ts), ported from fdlibm as adapted in V8's
// src/base/ieee754.cc (Sun Microsystems 1993, freely redistributable; the code behind JavaScript's
// Math.log and Math.cos in V8), so fill_normal reproduces `realise` (compiler/dsl/init.ts), which
// calls Math.log / Math.cos, bit for bit. Same operations in the same order; fdlibm's error bound
// is < 1 ulp for both.
//
// Unlike AssemblyScript's NativeMath (musl's table-driven log and a rem_pio2 with a 2/pi table),
// these use no lookup tables, no data segments and no globals: kernels.wasm is merged into every
// generated module, whose linear memory the compiler plans, so the kernels must not claim any of it.
//
// ieee754_cos reduces with fdlibm's medium-size path only (its test "|x| ~<= 2^19 (pi/2)" is on the
// high word 0x413921fb, i.e. |x| < 2^20 pi/2 ~ 1.647e6); beyond that, and for +-inf and NaN, it
// returns NaN. Box-Muller calls it on [0, 2 pi).

function highWord(x: f64): i32 {
  return <i32>(reinterpret<i64>(x) >>> 32);
}

function withHighWord(x: f64, hi: i32): f64 {
  return reinterpret<f64>(((<i64>hi) << 32) | (reinterpret<i64>(x) & 0xffffffff));
}

/** fdlibm log(x): < 1 ulp. log(+-0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN. */
export function ieee754_log(x: f64): f64 {
  const ln2_hi = reinterpret<f64>(0x3fe62e42fee00000); // 6.93147180369123816490e-01
  const ln2_lo = reinterpret<f64>(0x3dea39ef35793c76); // 1.90821492927058770002e-10
  const two54 = reinterpret<f64>(0x4350000000000000); // 1.80143985094819840000e+16
  const Lg1 = reinterpret<f64>(0x3fe5555555555593); // 6.666666666666735130e-01
  const Lg2 = reinterpret<f64>(0x3fd999999997fa04); // 3.999999999940941908e-01
  const Lg3 = reinterpret<f64>(0x3fd2492494229359); // 2.857142874366239149e-01
  const Lg4 = reinterpret<f64>(0x3fcc71c51d8e78af); // 2.222219843214978396e-01
  const Lg5 = reinterpret<f64>(0x3fc7466496cb03de); // 1.818357216161805012e-01
  const Lg6 = reinterpret<f64>(0x3fc39a09d078c69f); // 1.531383769920937332e-01
  const Lg7 = reinterpret<f64>(0x3fc2f112df3e5244); // 1.479819860511658591e-01

  let hx = highWord(x);
  const lx = <i32>reinterpret<i64>(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity; // log(+-0) = -inf
    if (hx < 0) return NaN; // log(-#) = NaN
    k -= 54;
    x *= two54; // subnormal number, scale up x
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000)); // normalize x or x/2
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    // -2^-20 <= f < 2^-20
    if (f == 0.0) {
      if (k == 0) return 0.0;
      const dk = <f64>k;
      return dk * ln2_hi + dk * ln2_lo;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    const dk = <f64>k;
    return dk * ln2_hi - (R - dk * ln2_lo - f);
  }
  const s = f / (2.0 + f);
  const dk = <f64>k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - (hfsq - (s * (hfsq + R) + dk * ln2_lo) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - (s * (f - R) - dk * ln2_lo - f);
}

/** fdlibm __kernel_cos(x, y): cos(x + y) on [-pi/4, pi/4], y the tail of x. */
function kernelCos(x: f64, y: f64): f64 {
  const C1 = reinterpret<f64>(0x3fa555555555554c); // 4.16666666666666019037e-02
  const C2 = reinterpret<f64>(0xbf56c16c16c15177); // -1.38888888888741095749e-03
  const C3 = reinterpret<f64>(0x3efa01a019cb1590); // 2.48015872894767294178e-05
  const C4 = reinterpret<f64>(0xbe927e4f809c52ad); // -2.75573143513906633035e-07
  const C5 = reinterpret<f64>(0x3e21ee9ebdb4b1c4); // 2.08757232129817482790e-09
  const C6 = reinterpret<f64>(0xbda8fae9be8838d4); // -1.13596475577881948265e-11
  const ix = highWord(x) & 0x7fffffff;
  // |x| < 2^-27: (int)x == 0 always holds, so fdlibm returns 1
  if (ix < 0x3e400000) return 1.0;
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1.0 - (0.5 * z - (z * r - x * y)); // |x| < 0.3
  // qx = |x|/4 with its low word cleared, or 0.28125 above 0.78125: 1 - qx, z/2 - qx are exact
  const qx = ix > 0x3fe90000 ? 0.28125 : reinterpret<f64>((<i64>(ix - 0x00200000)) << 32);
  const iz = 0.5 * z - qx;
  const a = 1.0 - qx;
  return a - (iz - (z * r - x * y));
}

/** fdlibm __kernel_sin(x, y, 1): sin(x + y) on [-pi/4, pi/4], y the tail of x. */
function kernelSin(x: f64, y: f64): f64 {
  const S1 = reinterpret<f64>(0xbfc5555555555549); // -1.66666666666666324348e-01
  const S2 = reinterpret<f64>(0x3f8111111110f8a6); // 8.33333333332248946124e-03
  const S3 = reinterpret<f64>(0xbf2a01a019c161d5); // -1.98412698298579493134e-04
  const S4 = reinterpret<f64>(0x3ec71de357b1fe7d); // 2.75573137070700676789e-06
  const S5 = reinterpret<f64>(0xbe5ae5e68a2b9ceb); // -2.50507602534068634195e-08
  const S6 = reinterpret<f64>(0x3de5d93a5acfd57c); // 1.58969099521155010221e-10
  const ix = highWord(x) & 0x7fffffff;
  if (ix < 0x3e400000) return x; // |x| < 2^-27
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x - (z * (0.5 * y - v * r) - y - v * S1);
}

/** High word of n pi/2 for n = 1..31 (fdlibm's npio2_hw table, as a switch: no data segment). */
function npio2High(n: i32): i32 {
  switch (n) {
    case 1:
      return 0x3ff921fb;
    case 2:
      return 0x400921fb;
    case 3:
      return 0x4012d97c;
    case 4:
      return 0x401921fb;
    case 5:
      return 0x401f6a7a;
    case 6:
      return 0x4022d97c;
    case 7:
      return 0x4025fdbb;
    case 8:
      return 0x402921fb;
    case 9:
      return 0x402c463a;
    case 10:
      return 0x402f6a7a;
    case 11:
      return 0x4031475c;
    case 12:
      return 0x4032d97c;
    case 13:
      return 0x40346b9c;
    case 14:
      return 0x4035fdbb;
    case 15:
      return 0x40378fdb;
    case 16:
      return 0x403921fb;
    case 17:
      return 0x403ab41b;
    case 18:
      return 0x403c463a;
    case 19:
      return 0x403dd85a;
    case 20:
      return 0x403f6a7a;
    case 21:
      return 0x40407e4c;
    case 22:
      return 0x4041475c;
    case 23:
      return 0x4042106c;
    case 24:
      return 0x4042d97c;
    case 25:
      return 0x4043a28c;
    case 26:
      return 0x40446b9c;
    case 27:
      return 0x404534ac;
    case 28:
      return 0x4045fdbb;
    case 29:
      return 0x4046c6cb;
    case 30:
      return 0x40478fdb;
    case 31:
      return 0x404858eb;
    default:
      return 0x404921fb;
  }
}

/** fdlibm cos(x): < 1 ulp for |x| < 2^20 pi/2; NaN beyond that and for +-inf and NaN. */
export function ieee754_cos(x: f64): f64 {
  const invpio2 = reinterpret<f64>(0x3fe45f306dc9c883); // 6.36619772367581382433e-01
  const pio2_1 = reinterpret<f64>(0x3ff921fb54400000); // 1.57079632673412561417e+00
  const pio2_1t = reinterpret<f64>(0x3dd0b4611a626331); // 6.07710050650619224932e-11
  const pio2_2 = reinterpret<f64>(0x3dd0b4611a600000); // 6.07710050630396597660e-11
  const pio2_2t = reinterpret<f64>(0x3ba3198a2e037073); // 2.02226624879595063154e-21
  const pio2_3 = reinterpret<f64>(0x3ba3198a2e000000); // 2.02226624871116645580e-21
  const pio2_3t = reinterpret<f64>(0x397b839a252049c1); // 8.47842766036889956997e-32

  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix <= 0x3fe921fb) return kernelCos(x, 0.0); // |x| ~<= pi/4
  if (ix > 0x413921fb) return NaN; // inf, NaN, or beyond the medium range (documented above)

  // __ieee754_rem_pio2: x - n pi/2 = y0 + y1
  let n: i32;
  let y0: f64;
  let y1: f64;
  if (ix < 0x4002d97c) {
    // |x| < 3pi/4, special case with n = +-1
    if (hx > 0) {
      let z = x - pio2_1;
      if (ix != 0x3ff921fb) {
        // 33 + 53 bit pi is good enough
        y0 = z - pio2_1t;
        y1 = z - y0 - pio2_1t;
      } else {
        // near pi/2, use 33 + 33 + 53 bit pi
        z -= pio2_2;
        y0 = z - pio2_2t;
        y1 = z - y0 - pio2_2t;
      }
      n = 1;
    } else {
      let z = x + pio2_1;
      if (ix != 0x3ff921fb) {
        y0 = z + pio2_1t;
        y1 = z - y0 + pio2_1t;
      } else {
        z += pio2_2;
        y0 = z + pio2_2t;
        y1 = z - y0 + pio2_2t;
      }
      n = -1;
    }
  } else {
    // medium size: |x| < 2^20 (pi/2) (fdlibm's comment says 2^19)
    let t = abs<f64>(x);
    n = <i32>(t * invpio2 + 0.5);
    const fn = <f64>n;
    let r = t - fn * pio2_1;
    let w = fn * pio2_1t; // 1st round good to 85 bits
    if (n < 32 && ix != npio2High(n)) {
      y0 = r - w; // quick check: no cancellation
    } else {
      const j = ix >> 20;
      y0 = r - w;
      let i = j - ((highWord(y0) >> 20) & 0x7ff);
      if (i > 16) {
        // 2nd iteration needed, good to 118 bits
        t = r;
        w = fn * pio2_2;
        r = t - w;
        w = fn * pio2_2t - (t - r - w);
        y0 = r - w;
        i = j - ((highWord(y0) >> 20) & 0x7ff);
        if (i > 49) {
          // 3rd iteration needed, 151 bits: covers all possible cases
          t = r;
          w = fn * pio2_3;
          r = t - w;
          w = fn * pio2_3t - (t - r - w);
          y0 = r - w;
        }
      }
    }
    y1 = r - y0 - w;
    if (hx < 0) {
      y0 = -y0;
      y1 = -y1;
      n = -n;
    }
  }
  switch (n & 3) {
    case 0:
      return kernelCos(y0, y1);
    case 1:
      return -kernelSin(y0, y1);
    case 2:
      return -kernelCos(y0, y1);
    default:
      return kernelSin(y0, y1);
  }
}
