// What one 64×64 matrix-vector product (W3's hidden layer) costs in WebAssembly SIMD at best:
// hand-written variants of y = x·W (x [64], W [64, 64] row-major), each broadcasting x[k] and
// accumulating rows of W into `acc` f32x4 accumulators, with the k loop unrolled `unroll` times,
// timed interleaved (15 rounds, median and min per call). The floor of W3 in an engine is about
// twice the best of these, whatever the compiler emits around them (README, "Compile and run").
//
//   node bench/probes/matvec-floor.mjs            (Node 20: mul + add)
//   node --experimental-wasm-relaxed-simd bench/probes/matvec-floor.mjs --fma
import binaryen from "binaryen";

const K = 64;
const N = 64;
const FMA = process.argv.includes("--fma");
const W_AT = 1024; // x at 0, W at 1024, y at 65536
const Y_AT = 65536;

function kernel(name, acc, unroll) {
  let body = "";
  for (let p = 0; p < N / (acc * 4); p++) {
    const col0 = p * acc * 4;
    let init = "";
    let step = "";
    let store = "";
    for (let a = 0; a < acc; a++) init += `(local.set $a${a} (v128.const i32x4 0 0 0 0))`;
    for (let u = 0; u < unroll; u++) {
      step += `(local.set $s (v128.load32_splat offset=${4 * u} (local.get $xp)))`;
      for (let a = 0; a < acc; a++) {
        const w = `(v128.load offset=${W_AT + (u * N + col0 + a * 4) * 4} (local.get $wp))`;
        step += FMA
          ? `(local.set $a${a} (f32x4.relaxed_madd (local.get $s) ${w} (local.get $a${a})))`
          : `(local.set $a${a} (f32x4.add (local.get $a${a}) (f32x4.mul (local.get $s) ${w})))`;
      }
    }
    for (let a = 0; a < acc; a++)
      store += `(v128.store offset=${Y_AT + (col0 + a * 4) * 4} (i32.const 0) (local.get $a${a}))`;
    body +=
      `${init}(local.set $xp (i32.const 0)) (local.set $wp (i32.const 0)) (loop $l${p} ${step}` +
      ` (local.set $xp (i32.add (local.get $xp) (i32.const ${4 * unroll})))` +
      ` (local.set $wp (i32.add (local.get $wp) (i32.const ${4 * N * unroll})))` +
      ` (br_if $l${p} (i32.lt_u (local.get $xp) (i32.const ${4 * K})))) ${store}`;
  }
  let locals = "(local $xp i32) (local $wp i32) (local $s v128)";
  for (let a = 0; a < acc; a++) locals += ` (local $a${a} v128)`;
  return `(func $${name} (export "${name}") ${locals} ${body})`;
}

const variants = [];
for (const acc of [2, 4, 8, 16])
  for (const unroll of [1, 2, 4]) variants.push([`acc${acc}-unroll${unroll}`, acc, unroll]);
const mod = binaryen.parseText(
  `(module (memory (export "memory") 2) ${variants.map((v) => kernel(...v)).join(" ")})`,
);
mod.setFeatures(binaryen.Features.All);
if (!mod.validate()) throw new Error("the probe module does not validate");
const { instance } = await WebAssembly.instantiate(mod.emitBinary());
mod.dispose();
const memory = new Float32Array(instance.exports.memory.buffer);
for (let i = 0; i < K; i++) memory[i] = Math.sin(i);
for (let i = 0; i < K * N; i++) memory[W_AT / 4 + i] = Math.cos(i);

const times = Object.fromEntries(variants.map(([name]) => [name, []]));
for (const [name] of variants) for (let i = 0; i < 300_000; i++) instance.exports[name]();
for (let round = 0; round < 15; round++) {
  for (const [name] of variants) {
    const f = instance.exports[name];
    const calls = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) f();
    times[name].push(((performance.now() - t0) / calls) * 1e3);
  }
}
console.log(`one 64×64 matrix-vector product, ${FMA ? "relaxed_madd" : "mul + add"}, µs per call:`);
for (const [name] of variants) {
  const t = times[name].sort((a, b) => a - b);
  console.log(`  ${name.padEnd(16)} median ${t[7].toFixed(3)}  min ${t[0].toFixed(3)}`);
}
