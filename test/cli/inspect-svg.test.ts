// `wasmgrad inspect --svg` and `--html`, run as child processes whose PATH has no Graphviz: the
// pictures are drawn in-process by Graphviz compiled to WebAssembly.
import { execFile, spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectOneLineError, repoRoot, type CliResult } from "../support/cli.js";

const MLP = "test/fixtures/mlp.model.ts";
const scratch = mkdtempSync(join(tmpdir(), "wasmgrad-inspect-svg-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** PATH without any directory holding a `dot` program or named after Graphviz. */
const PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => dir !== "" && !/graphviz/i.test(dir) && !executable(join(dir, "dot")))
  .join(delimiter);
const env = { ...process.env, PATH };

/** `wasmgrad ...args` from the sources in the repository root, with PATH above. */
function wasmgrad(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "compiler/cli/main.ts", ...args],
      { cwd: repoRoot, encoding: "utf8", timeout: 150_000, env },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** `<?xml`/`<svg` first, `</svg>` last, one root, every element closed in order. */
function expectSvg(svg: string): void {
  expect(svg.trimStart()).toMatch(/^(<\?xml|<svg[\s>])/);
  expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  const body = svg.slice(svg.indexOf("<svg")).replaceAll(/<!--[\s\S]*?-->/g, "");
  const open: string[] = [];
  for (const [, close, name, selfClosing] of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (close) expect(open.pop(), `</${name}>`).toBe(name);
    else if (!selfClosing) open.push(name!);
  }
  expect(open).toEqual([]);
}

/** The texts drawn in an SVG, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, t]) =>
    t!.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&#45;", "-").replaceAll("&amp;", "&"),
  );
}

describe("the test's PATH", () => {
  it("has no dot", () => {
    const which = spawnSync("/bin/sh", ["-c", "command -v dot"], { env, encoding: "utf8" });
    expect(which.stdout).toBe("");
    expect(which.status).not.toBe(0);
  });
});

describe.concurrent("wasmgrad inspect --svg", () => {
  it("writes the forward graph as SVG, and prints the listing as before", async () => {
    const file = join(scratch, "mlp.svg");
    const r = await wasmgrad("inspect", MLP, "--svg", file);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await wasmgrad("inspect", MLP)).stdout);
    const svg = readFileSync(file, "utf8");
    expectSvg(svg);
    const shown = texts(svg);
    for (const t of ["matmul", "tanh", "input x", "input y", "param W1", "loss", "out"])
      expect(shown).toContain(t);
    expect(shown).not.toContain("d loss / d W1");
  });

  it("draws the graph that --dot selects: --grad, --opt", async () => {
    const file = join(scratch, "mlp-grad-opt.svg");
    const r = await wasmgrad("inspect", "--grad", "--opt", "--dot", MLP, "--svg", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph "mlp" \{\n/);
    const svg = readFileSync(file, "utf8");
    expectSvg(svg);
    expect(texts(svg)).toContain("d loss / d W1");
    expect(texts(svg).some((t) => t.startsWith("fusion "))).toBe(true);
    // the optimized graph's nodes, as in the DOT printed
    const drawn = svg.match(/<g id="node\d+" class="node">/g)?.length;
    expect(drawn).toBe(r.stdout.match(/^ {2}(n\d+|"[^"]+") \[label=/gm)?.length);
  });

  it("rejects --svg with --memory, a directory, or a compiled module", async () => {
    const memory = await wasmgrad("inspect", MLP, "--memory", "--svg", join(scratch, "m.svg"));
    expect(expectOneLineError(memory, 2)).toBe("wasmgrad: --memory cannot be combined with --svg");
    const dir = await wasmgrad("inspect", MLP, "--svg", scratch);
    expect(expectOneLineError(dir, 2)).toContain("it is a directory; give the path of a file");
    const wasm = join(scratch, "fake.wasm");
    writeFileSync(wasm, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const compiled = await wasmgrad("inspect", wasm, "--svg", join(scratch, "w.svg"));
    expect(expectOneLineError(compiled, 2)).toContain("--svg draws a model file's graph;");
  });
});

describe.concurrent("wasmgrad inspect --html", () => {
  it("writes one self-contained report: every section, an inline <svg> per picture, no URL", async () => {
    const file = join(scratch, "report", "mlp.html");
    const r = await wasmgrad("inspect", MLP, "--html", file, "--optimizer", "adam");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `report of model 'mlp' (${MLP}), optimizer adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, biasCorrection=true)`,
    );
    expect(lines[1]).toMatch(/^ {2}compile cache (miss|hit)/);
    expect(lines[2]).toMatch(/^ {2}wrote {4}\S+mlp\.html: 8 pictures, \d+ bytes, drawn in [\d.]+ s$/);

    const html = readFileSync(file, "utf8");
    for (const id of [
      "summary",
      "forward-graph",
      "gradient-graph",
      "entry-forward",
      "entry-backward",
      "entry-train",
    ]) {
      expect(html).toContain(`<section id="${id}">`);
    }
    expect(html).toContain("<h1>model 'mlp'</h1>");
    expect(html).toContain(`<td>file</td><td>${MLP}</td>`);
    expect(html.match(/<svg\b/g)).toHaveLength(8);
    expect(html.match(/<\/svg>/g)).toHaveLength(8);
    for (const t of ["matmul", "tanh", "input x", "d loss / d W1"]) expect(html).toContain(`>${t}</text>`);
    expect(html).toContain("memory plan of train_step");
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b|\bsrc=|@import|url\((?!#)/i);
  });

  it("rejects --html with the graph flags, -o, or a compiled module", async () => {
    const html = join(scratch, "x.html");
    const grad = await wasmgrad("inspect", MLP, "--html", html, "--grad", "--svg", join(scratch, "x.svg"));
    expect(expectOneLineError(grad, 2)).toBe(
      "wasmgrad: --html cannot be combined with --grad and --svg (the report has every graph; " +
        "it is written to the file given to --html)",
    );
    const output = await wasmgrad("inspect", MLP, "--html", html, "-o", join(scratch, "y"));
    expect(expectOneLineError(output, 2)).toContain("--html cannot be combined with -o");
    const compiled = await wasmgrad("inspect", "x.wasm", "--html", html);
    expect(expectOneLineError(compiled, 2)).toContain("--html reports on a model file;");
  });
});
