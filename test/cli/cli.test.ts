// The `wasmgrad` command line, run as a child process on the model files in test/fixtures.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { wasmgrad, type CliResult, expectOneLineError } from "../support/cli.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "wasmgrad-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The 1-based line of a fixture holding `text`. */
function fixtureLine(fixture: string, text: string): number {
  const lines = readFileSync(join(repoRoot, "test/fixtures", fixture), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  expect(i).toBeGreaterThanOrEqual(0);
  return i + 1;
}

const MLP = "test/fixtures/mlp.model.ts";
const SKIPGRAM = "test/fixtures/skipgram.model.ts";

describe.concurrent("wasmgrad inspect", () => {
  it("prints the forward graph with ops, types and lines of the model file", async () => {
    const r = await wasmgrad("inspect", MLP);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const hidden = fixtureLine("mlp.model.ts", "x.matmul(W1)");
    expect(r.stdout).toMatch(
      /^graph mlp\n {2}%0 = input x : f32\[4,3\] +@ test\/fixtures\/mlp\.model\.ts:\d+\n/,
    );
    expect(r.stdout).toMatch(
      new RegExp(
        String.raw`^ {2}%6 = matmul : f32\[4,5\] \(%0, %2\) +@ test/fixtures/mlp\.model\.ts:${hidden}$`,
        "m",
      ),
    );
    expect(r.stdout).toMatch(/^ {2}%\d+ = tanh : f32\[4,5\] \(%7\)/m);
    expect(r.stdout).toMatch(/^outputs\n {2}out +-> %10\n {2}loss -> %15$/m);
    expect(r.stdout).not.toContain("grads");
    expect(r.stdout).toMatch(/^summary: 16 nodes: /m);
  });

  it("--grad prints the gradient graph", async () => {
    const r = await wasmgrad("inspect", "--grad", MLP);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^grads\n {2}W1 -> %\d+\n {2}b1 -> %\d+\n {2}W2 -> %\d+\n {2}b2 -> %\d+$/m);
    expect(r.stdout).toMatch(/= matmul transA : f32\[3,5\] \(%0, %\d+\)/);
    const count = Number(/^summary: (\d+) nodes/m.exec(r.stdout)?.[1]);
    expect(count).toBeGreaterThan(16);
  });

  it("--opt prints what each pass did, the fused kernels, and the optimized graph", async () => {
    const r = await wasmgrad("inspect", "--grad", "--opt", MLP);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^passes \(-O2\) on the gradient graph of 'mlp':$/m);
    const cse =
      /^cse by hash-consing, as the graph was built: (\d+) duplicate nodes removed while tracing, (\d+) while differentiating$/m.exec(
        r.stdout,
      );
    expect(Number(cse?.[2])).toBeGreaterThan(0); // autodiff asks again for nodes it already made
    const fuse = /^round \d+ {2}fuse +nodes +(\d+) -> (\d+) +kernels +(\d+) -> (\d+) +fusions×(\d+)/m.exec(
      r.stdout,
    );
    expect(fuse).not.toBeNull();
    expect(Number(fuse![4])).toBeLessThan(Number(fuse![3])); // fewer kernels after fusion
    expect(r.stdout).toMatch(
      /^fused kernels:\n%\d+ (fusion|matmul epilogue|reduction) of \d+ ops: \w+( -> \w+)+$/m,
    );
    // bias adds and activations run in the matmuls' epilogues, the loss's sums with their producers
    expect(r.stdout).toMatch(/^%\d+ matmul epilogue of \d+ ops: matmul -> add/m);
    expect(r.stdout).toMatch(/^%\d+ reduction of \d+ ops: .*reduce_sum/m);
    expect(r.stdout).toMatch(/= fusion .*: f32\[/);
    const dot = await wasmgrad("inspect", "--grad", "--opt", "--dot", MLP);
    expect(dot.stdout).toMatch(/^digraph "mlp" \{/);
    expect(dot.stdout).toContain("fusion");
  });

  it("--opt --optimizer optimizes the training step: row-sparse SGD updates show as scatter_sub", async () => {
    const r = await wasmgrad("inspect", "--opt", "--optimizer", "sgd", "--lr", "0.1", SKIPGRAM);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(
      /^passes \(-O2\) on the training-step \(sgd\(lr=0\.1\)\) graph of 'skipgram':$/m,
    );
    expect(r.stdout).toMatch(/^round 1 {2}sparse +nodes .* row-sparse-sgd×2, dense-grads-dropped×2$/m);
    // base, ids, the other table's rows, α, and the per-id factor ∂loss/∂score
    expect(r.stdout).toMatch(/^ {2}%\d+ = scatter_sub : f32\[50,4\] \(%3, %0, %\d+, %\d+, %\d+\)/m);
    expect(r.stdout).toMatch(/^ {2}%\d+ = scatter_sub : f32\[49,4\] \(%4, %1, %\d+, %\d+, %\d+\)/m);
    expect(r.stdout).not.toContain("scatter_add");
    expect(r.stdout).toMatch(/^updates\n {2}syn0 +-> %\d+\n {2}syn1 +-> %\d+\n {2}optim\.step -> %\d+$/m);
    // Adam has no exact row-sparse form: its update stays dense
    const adam = await wasmgrad("inspect", "--opt", "--optimizer", "adam", SKIPGRAM);
    expect(adam.code, adam.stderr).toBe(0);
    expect(adam.stdout).not.toContain("scatter_sub");
    const both = await wasmgrad("inspect", "--opt", "--grad", "--optimizer", "sgd", SKIPGRAM);
    expect(expectOneLineError(both, 2)).toMatch(/--grad and --optimizer pick different graphs/);
    const lr = await wasmgrad("inspect", "--opt", "--lr", "0.1", SKIPGRAM);
    expect(expectOneLineError(lr, 2)).toBe(
      "wasmgrad: --lr sets the optimizer's learning rate: add --optimizer",
    );
  });

  it("--dot prints Graphviz, and -o writes it to a file", async () => {
    const r = await wasmgrad("inspect", "--dot", MLP);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph "mlp" \{\n/);
    expect(r.stdout).toContain('"output:loss" [label="loss"');
    expect(r.stdout.trimEnd().endsWith("}")).toBe(true);

    const file = join(scratch, "mlp.dot");
    const w = await wasmgrad("inspect", "--grad", "--dot", "-o", file, MLP);
    expect(w).toEqual({ code: 0, stdout: "", stderr: "" });
    const written = readFileSync(file, "utf8");
    expect(written).toMatch(/^digraph "mlp" \{/);
    expect(written).toContain('"grad:W1" [label="d loss / d W1"');
  });

  it("reports a shape error in one line naming the op, the shapes and the model file's line", async () => {
    const r = await wasmgrad("inspect", "test/fixtures/bad-shape.model.ts");
    const line = expectOneLineError(r);
    const where = fixtureLine("bad-shape.model.ts", "m.loss(x.matmul(W)");
    expect(line).toContain(`test/fixtures/bad-shape.model.ts:${where}:`);
    expect(line).toContain("matmul");
    expect(line).toContain("[2,3]");
    expect(line).toContain("[4,5]");
    expect(r.code).toBe(2);
  });

  it("--verbose adds the stack trace", async () => {
    const r = await wasmgrad("inspect", "--verbose", "test/fixtures/bad-shape.model.ts");
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(/^wasmgrad: .*bad-shape\.model\.ts:\d+:\d+: matmul: /);
    expect(r.stderr).toMatch(/^\s+at /m);
  });

  it("reports a missing file in one line", async () => {
    const line = expectOneLineError(await wasmgrad("inspect", "test/fixtures/no-such.model.ts"));
    expect(line).toMatch(/^wasmgrad: cannot find model file 'test\/fixtures\/no-such\.model\.ts'/);
  });

  it("reports a file without a default-exported model in one line", async () => {
    const line = expectOneLineError(await wasmgrad("inspect", "test/fixtures/no-default.model.ts"));
    expect(line).toContain("test/fixtures/no-default.model.ts has no default export");
    expect(line).toContain("(it exports models named tiny; make one the default)");
    expect(line).toContain("export default model(");

    const notModel = join(scratch, "not-a-model.mts");
    writeFileSync(notModel, "export default { name: 'x' };\n");
    expect(expectOneLineError(await wasmgrad("inspect", notModel))).toContain(
      "default-exports an object, not a model",
    );
  });

  it("reports syntax errors and exceptions thrown by the model file in one line", async () => {
    const syntax = join(scratch, "syntax.mts");
    writeFileSync(syntax, "export default 1 +;\n");
    expect(expectOneLineError(await wasmgrad("inspect", syntax))).toMatch(
      /^wasmgrad: cannot compile .*syntax\.mts: .*syntax\.m?ts:1:\d+: ERROR: /,
    );
    const throws = join(scratch, "throws.mts");
    writeFileSync(throws, "const n: number = 1;\nthrow new RangeError(`boom ${n}`);\n");
    expect(expectOneLineError(await wasmgrad("inspect", throws))).toMatch(
      /^wasmgrad: loading .*throws\.mts failed: RangeError: boom 1 \(at .*throws\.mts:2:\d+\)$/,
    );
  });

  it("reports a model file whose top-level await never settles in one line, naming it", async () => {
    const r = await wasmgrad("inspect", "test/fixtures/unsettled-await.ts");
    expect(expectOneLineError(r, 2)).toBe(
      "wasmgrad: test/fixtures/unsettled-await.ts: its top-level await never settled (it waits on a " +
        "promise that is never resolved, in the file or in a module it imports)",
    );
    // an await that takes a while but settles is waited for
    const slow = join(scratch, "slow.mts");
    writeFileSync(
      slow,
      `import { model } from ${JSON.stringify(join(repoRoot, "compiler/index.ts"))};\n` +
        `await new Promise((resolve) => setTimeout(resolve, 300));\n` +
        `export default model("slow", (m) => { m.loss(m.param("w", [3]).square().sum()); });\n`,
    );
    const ok = await wasmgrad("inspect", slow);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(/^graph slow\n/);
  });

  it("loads a TypeScript model compiled as CommonJS (outside an ESM package)", async () => {
    const cjs = join(scratch, "cjs.model.ts");
    writeFileSync(
      cjs,
      `import { model } from ${JSON.stringify(join(repoRoot, "compiler/index.ts"))};\n` +
        `export default model("cjs", (m) => { m.loss(m.param("w", [3]).square().sum()); });\n`,
    );
    const r = await wasmgrad("inspect", cjs);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^graph cjs\n {2}%0 = param w : f32\[3\]/);
  });

  it("reports usage errors in one line", async () => {
    expect(expectOneLineError(await wasmgrad("inspect"))).toContain("missing required argument 'model'");
    expect(expectOneLineError(await wasmgrad("frobnicate"))).toContain("unknown command 'frobnicate'");
  });

  it("--help documents the commands and the model file convention", async () => {
    const r = await wasmgrad("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}inspect \[options\] <model>/m);
    expect(r.stdout).toMatch(/^ {2}gradcheck \[options\] <model>/m);
    expect(r.stdout).toContain("export default model(");
    expect(r.stdout).toContain("export const inputs");
    const sub = await wasmgrad("gradcheck", "--help");
    expect(sub.stdout).toContain("--inputs <file.json>");
    expect(sub.stdout).toContain("--max-elements <n>");
  });
});

describe.concurrent("wasmgrad gradcheck", () => {
  it("checks every param with the module's example inputs and prints OK", async () => {
    const r = await wasmgrad("gradcheck", MLP);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("inputs from the `inputs` export");
    for (const [name, size] of [
      ["W1", 15],
      ["b1", 5],
      ["W2", 10],
      ["b2", 2],
    ] as const) {
      expect(r.stdout).toMatch(new RegExp(`^param ${name} +checked +${size}/${size} +max error \\d`, "m"));
    }
    expect(r.stdout).toMatch(/^OK: worst error \d\.\d\de-\d+ \(tolerance 1e-6\)$/m);
  });

  it("exits with 1 and prints FAILED when the error exceeds the tolerance", async () => {
    const r = await wasmgrad("gradcheck", MLP, "--tolerance", "0", "--max-elements", "2", "--seed", "3");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^param W1 +checked +2\/15 /m);
    expect(r.stdout).toMatch(/^FAILED: worst error .* \(tolerance 0e\+0\)$/m);
  });

  it("takes inputs from a JSON file and reports bad values in one line", async () => {
    const good = join(scratch, "inputs.json");
    writeFileSync(
      good,
      JSON.stringify({
        x: [
          [1, 2, 3],
          [0, 0, 0],
          [-1, 1, 2],
          [3, 2, 1],
        ],
        y: [1, 0, 0, 1, 1, 1, 0, 0],
      }),
    );
    const r = await wasmgrad("gradcheck", MLP, "--inputs", good, "--eps", "1e-4", "--tolerance", "1e-4");
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`inputs from ${good}`);
    expect(r.stdout).toMatch(/^OK: .*\(tolerance 1e-4\)$/m);

    const bad = join(scratch, "bad-inputs.json");
    writeFileSync(
      bad,
      JSON.stringify({
        x: [
          [1, 2],
          [3, 4],
        ],
        y: [0, 0, 0, 0, 0, 0, 0, 0],
      }),
    );
    const line = expectOneLineError(await wasmgrad("gradcheck", MLP, "--inputs", bad));
    expect(line).toMatch(/input 'x' of model 'mlp' \(f32\[4,3\]\): got nested arrays of shape \[2,2\]/);

    writeFileSync(bad, "{ not json");
    expect(expectOneLineError(await wasmgrad("gradcheck", MLP, "--inputs", bad))).toContain(
      "cannot parse inputs file",
    );
  });

  it("rejects bad option values in one line", async () => {
    const line = expectOneLineError(await wasmgrad("gradcheck", MLP, "--eps", "-1"));
    expect(line).toContain("--eps must be a positive number, got '-1'");
  });

  it("asks for input values when the model file exports none", async () => {
    const line = expectOneLineError(await wasmgrad("gradcheck", "test/fixtures/no-default.model.ts"));
    expect(line).toContain("has no default export"); // loading fails before inputs are needed
    const noInputs = join(scratch, "no-inputs.mts");
    writeFileSync(
      noInputs,
      `import { model } from ${JSON.stringify(join(repoRoot, "compiler/index.ts"))};\n` +
        `export default model("lin", (m) => { m.loss(m.input("x", [2]).mul(m.param("w", [2])).sum()); });\n`,
    );
    expect(expectOneLineError(await wasmgrad("gradcheck", noInputs))).toMatch(
      /model 'lin' has inputs \(x\) but no values for them: pass --inputs file\.json or export `inputs`/,
    );
  });
});
