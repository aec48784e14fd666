// f32 transcendental kernels: exp, log, tanh, sigmoid, each as a scalar (f32) and a 4-lane (f32x4)
// version. The generated code calls them by export name and binaryen inlines them, so they are pure:
// no memory access, no globals, no allocation, no data segments (every constant is an immediate).
//
// The v128 version of each function is the scalar algorithm written lane-wise: the same IEEE f32
// operations in the same order (f32.min <-> f32x4.min, select <-> v128.bitselect, ...), so the two
// give bit-identical results per lane (NaN payloads aside). No FMA is used (core SIMD has none).
// Special cases are handled by clamping and selects, never by branches.
//
// Error bounds below are measured by test/kernels/math.test.ts against the float64 Math.* result
// rounded to f32, over every f32 bit pattern stepped by a small odd stride plus dense sweeps of the
// reduction intervals; "ulp" is the f32 ulp of the reference.

// ---- shared constants -------------------------------------------------------------------------

// 1.5 * 2^23: adding it to |t| < 2^22 rounds t to an integer (ties to even) held in the low bits
// of the sum's significand, so nearest(t) and its integer value come out of one add.
const ROUND_MAGIC: f32 = 12582912.0;
const ROUND_MAGIC_BITS: i32 = 0x4b400000;
const LOG2E: f32 = 1.44269504088896341;
// ln 2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits so k * LN2_HI is exact for |k| < 2^15
// (Cody & Waite; the split is Cephes expf's).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
// exp's clamp: below EXP_LO the result is < 2^-150 (rounds to 0), above EXP_HI it is > FLT_MAX.
const EXP_LO: f32 = -104.0;
const EXP_HI: f32 = 89.0;

// exp(r) = 1 + r + r^2 * P(r) on |r| <= ln2/2 (+ rounding slack): Cephes expf's coefficients.
const E0: f32 = 1.98756915e-4;
const E1: f32 = 1.3981999507e-3;
const E2: f32 = 8.3334519073e-3;
const E3: f32 = 4.1665795894e-2;
const E4: f32 = 1.6666665459e-1;
const E5: f32 = 5.0000001201e-1;

// log(1 + f) = f - f^2/2 + f^3 * Q(f) on f in [sqrt(1/2) - 1, sqrt(2) - 1]: Cephes logf's
// coefficients.
const L0: f32 = 7.0376836292e-2;
const L1: f32 = -1.151461031e-1;
const L2: f32 = 1.167699874e-1;
const L3: f32 = -1.2420140846e-1;
const L4: f32 = 1.4249322787e-1;
const L5: f32 = -1.6668057665e-1;
const L6: f32 = 2.0000714765e-1;
const L7: f32 = -2.4999993993e-1;
const L8: f32 = 3.3333331174e-1;
// bits of sqrt(1/2): the reduced mantissa m lies in [sqrt(1/2), sqrt(2))
const SQRTH_BITS: i32 = 0x3f3504f3;
const TWO23: f32 = 8388608.0;
// smallest normal f32, 2^-126
const MIN_NORMAL: f32 = 1.17549435e-38;

// tanh(a) = a + a^3 * T(a^2) for 0 <= a < TANH_SMALL: Cephes tanhf's coefficients.
const TANH_SMALL: f32 = 0.625;
const T0: f32 = -5.70498872745e-3;
const T1: f32 = 2.06390887954e-2;
const T2: f32 = -5.37397155531e-2;
const T3: f32 = 1.33314422036e-1;
const T4: f32 = -3.33332819422e-1;

// ---- exp ----------------------------------------------------------------------------------------

// exp: Cody-Waite reduction x = k ln2 + r (k = nearest(x log2e), ln2 split hi/lo), |r| <= ~0.347;
// exp(r) = 1 + r + r^2 P(r) with Cephes expf's degree-5 P (a degree-7 polynomial in all); the
// result is scaled by 2^k as 2^(k>>1) * 2^(k-(k>>1)), the first product exact, so overflow to +inf
// and gradual underflow to subnormals happen with one rounding. x is first clamped to [-104, 89]
// (NaN passes the clamp). exp(x) = +inf for x > 88.7228, 0 for x < -103.9721, exp(NaN) = NaN,
// exp(+-inf) = +inf / 0, exp(+-0) = 1.
// Measured: max rel err 1.19e-7 (1 ulp) for normal results (x >= -87.34); subnormal results
// (x in [-103.97, -87.34]) within 1 subnormal ulp (2^-149). Scalar and f32x4 agree bit for bit.
export function exp_f32(x: f32): f32 {
  x = max<f32>(min<f32>(x, EXP_HI), EXP_LO);
  const t = x * LOG2E + ROUND_MAGIC;
  const k = reinterpret<i32>(t) - ROUND_MAGIC_BITS;
  const kf = t - ROUND_MAGIC;
  let r = x - kf * LN2_HI;
  r = r - kf * LN2_LO;
  let p = E0 * r + E1;
  p = p * r + E2;
  p = p * r + E3;
  p = p * r + E4;
  p = p * r + E5;
  const y = p * (r * r) + r + 1.0;
  const k1 = k >> 1;
  const k2 = k - k1;
  const s1 = reinterpret<f32>((k1 + 127) << 23);
  const s2 = reinterpret<f32>((k2 + 127) << 23);
  return y * s1 * s2;
}

/** exp on 4 f32 lanes: exactly exp_f32 per lane. */
export function exp_v128(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const k = i32x4.sub(t, i32x4.splat(ROUND_MAGIC_BITS));
  const kf = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(x, f32x4.mul(kf, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(kf, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(E0), r), f32x4.splat(E1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E5));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  const k1 = i32x4.shr_s(k, 1);
  const k2 = i32x4.sub(k, k1);
  const s1 = i32x4.shl(i32x4.add(k1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(k2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

// ---- log ----------------------------------------------------------------------------------------

// log: subnormal x is first scaled by 2^23 (exact); x = 2^k m with m in [sqrt(1/2), sqrt(2)) taken
// from the bits (musl logf's integer reduction), f = m - 1 exact; log(1 + f) = f - f^2/2 + f^3 Q(f)
// with Cephes logf's degree-8 Q; + k ln2 in two parts (Cody-Waite). Near x = 1, k = 0 and the
// result is f - f^2/2 + ..., so the relative error stays small as log(x) -> 0; log(1) = +0.
// log(+-0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN; subnormals are handled.
// Measured: max rel err 1.19e-7 (1 ulp) over positive finite f32 (8.7e-8 on subnormal x).
// Scalar and f32x4 agree bit for bit.
export function log_f32(x: f32): f32 {
  const tiny = x < MIN_NORMAL;
  const xs = select<f32>(x * TWO23, x, tiny);
  const ix = reinterpret<i32>(xs) + (0x3f800000 - SQRTH_BITS);
  const k = (ix >> 23) - 127 - select<i32>(23, 0, tiny);
  const m = reinterpret<f32>((ix & 0x007fffff) + SQRTH_BITS);
  const f = m - 1.0;
  const kf = <f32>k;
  const z = f * f;
  let q = L0 * f + L1;
  q = q * f + L2;
  q = q * f + L3;
  q = q * f + L4;
  q = q * f + L5;
  q = q * f + L6;
  q = q * f + L7;
  q = q * f + L8;
  let y = q * f * z;
  y = y + kf * LN2_LO;
  y = y - 0.5 * z;
  let r = f + y;
  r = r + kf * LN2_HI;
  // x <= 0 or NaN: -inf for +-0, NaN otherwise; x = +inf: +inf
  const bad = select<f32>(-Infinity, NaN, x == 0);
  r = select<f32>(r, bad, x > 0);
  return select<f32>(Infinity, r, x == Infinity);
}

/** log on 4 f32 lanes: exactly log_f32 per lane. */
export function log_v128(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(MIN_NORMAL));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(TWO23)), x, tiny);
  const ix = i32x4.add(xs, i32x4.splat(0x3f800000 - SQRTH_BITS));
  const k = i32x4.sub(i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(127)), v128.and(tiny, i32x4.splat(23)));
  const m = i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(SQRTH_BITS));
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const kf = f32x4.convert_i32x4_s(k);
  const z = f32x4.mul(f, f);
  let q = f32x4.add(f32x4.mul(f32x4.splat(L0), f), f32x4.splat(L1));
  q = f32x4.add(f32x4.mul(q, f), f32x4.splat(L2));
  q = f32x4.add(f32x4.mul(q, f), f32x4.splat(L3));
  q = f32x4.add(f32x4.mul(q, f), f32x4.splat(L4));
  q = f32x4.add(f32x4.mul(q, f), f32x4.splat(L5));
  q = f32x4.add(f32x4.mul(q, f), f32x4.splat(L6));
  q = f32x4.add(f32x4.mul(q, f), f32x4.splat(L7));
  q = f32x4.add(f32x4.mul(q, f), f32x4.splat(L8));
  let y = f32x4.mul(f32x4.mul(q, f), z);
  y = f32x4.add(y, f32x4.mul(kf, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(f32x4.splat(0.5), z));
  let r = f32x4.add(f, y);
  r = f32x4.add(r, f32x4.mul(kf, f32x4.splat(LN2_HI)));
  const bad = v128.bitselect(f32x4.splat(-Infinity), f32x4.splat(NaN), f32x4.eq(x, f32x4.splat(0.0)));
  r = v128.bitselect(r, bad, f32x4.gt(x, f32x4.splat(0.0)));
  return v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(x, f32x4.splat(Infinity)));
}

// ---- tanh ---------------------------------------------------------------------------------------

// tanh: on a = |x|; for a < 0.625, a + a^3 T(a^2) with Cephes tanhf's degree-4 T (relative
// accuracy down to subnormal a, where it returns a); otherwise 1 - 2 / (exp(2a) + 1) with exp_f32
// above, which rounds to exactly 1 for a > 9.01 and is 1 for a = +inf; the sign of x is copied on at
// the end, so tanh(-0) = -0 and tanh(NaN) = NaN.
// Measured: max abs err 5.96e-8, max rel err 1.19e-7 (1 ulp) where |tanh| >= 1e-30.
// Scalar and f32x4 agree bit for bit.
export function tanh_f32(x: f32): f32 {
  const a = abs<f32>(x);
  const z = a * a;
  let p = T0 * z + T1;
  p = p * z + T2;
  p = p * z + T3;
  p = p * z + T4;
  const small = p * z * a + a;
  const e = exp_f32(a + a);
  const large: f32 = 1.0 - 2.0 / (e + 1.0);
  return copysign<f32>(select<f32>(small, large, a < TANH_SMALL), x);
}

/** tanh on 4 f32 lanes: exactly tanh_f32 per lane. */
export function tanh_v128(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let p = f32x4.add(f32x4.mul(f32x4.splat(T0), z), f32x4.splat(T1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T4));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), a), a);
  const e = exp_v128(f32x4.add(a, a));
  const one = f32x4.splat(1.0);
  const large = f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(e, one)));
  const t = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
  // copysign: magnitude bits from t, sign bit from x
  return v128.bitselect(x, t, i32x4.splat(0x80000000));
}

// ---- sigmoid ------------------------------------------------------------------------------------

// sigmoid: 1 / (1 + exp(-x)) with exp_f32 above. exp(-x) saturates to +inf (x < -88.72) or 0
// (x > 103.97) instead of overflowing into NaN, so the result goes to 0 and 1, never leaves [0, 1],
// is exactly 0.5 at +-0 (exp(0) = 1 exactly), and NaN gives NaN.
// Measured: max abs err 5.96e-8, max rel err 1.60e-7 (2 ulp) where sigmoid >= 1e-30.
// Scalar and f32x4 agree bit for bit.
export function sigmoid_f32(x: f32): f32 {
  return 1.0 / (1.0 + exp_f32(-x));
}

/** sigmoid on 4 f32 lanes: exactly sigmoid_f32 per lane. */
export function sigmoid_v128(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, exp_v128(f32x4.neg(x))));
}

// ---- test helpers -------------------------------------------------------------------------------

// These drive the functions above over buffers in the module's memory, so tests can sweep them from
// JS (v128 values cannot cross the JS boundary). fn: 0 exp, 1 log, 2 tanh, 3 sigmoid.

/** dst[i] = f(src[i]) for i < n with the scalar function; src and dst are byte offsets of f32[n]. */
export function map_f32(fn: i32, src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = (<usize>i) << 2;
    const x = load<f32>(src + off);
    let y: f32;
    switch (fn) {
      case 0:
        y = exp_f32(x);
        break;
      case 1:
        y = log_f32(x);
        break;
      case 2:
        y = tanh_f32(x);
        break;
      case 3:
        y = sigmoid_f32(x);
        break;
      default:
        y = NaN;
    }
    store<f32>(dst + off, y);
  }
}

/** As map_f32 with the f32x4 function, four elements at a time; n must be a multiple of 4. */
export function map_v128(fn: i32, src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const off = (<usize>i) << 2;
    const x = v128.load(src + off);
    let y: v128;
    switch (fn) {
      case 0:
        y = exp_v128(x);
        break;
      case 1:
        y = log_v128(x);
        break;
      case 2:
        y = tanh_v128(x);
        break;
      case 3:
        y = sigmoid_v128(x);
        break;
      default:
        y = f32x4.splat(NaN);
    }
    v128.store(dst + off, y);
  }
}
