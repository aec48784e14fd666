// The runtime's promises as a package: it imports nothing outside runtime/ and no Node built-ins,
// a bundler drops it entirely when nothing is used (no side effects at import time), its minified
// size stays small, and package.json / tsconfig.build.json publish it as `wasmgrad/runtime`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// esbuild is installed with tsx (a dependency): used here as a stand-in for a user's bundler.
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const runtimeDir = join(root, "runtime");
const sources = readdirSync(runtimeDir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => ({ file: f, text: readFileSync(join(runtimeDir, f), "utf8") }))
  .map((s) => ({ ...s, code: stripComments(s.text) }));

/** Drops block comments and `//` comments (the runtime has no string containing "//" or "/*"). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1");
}

/** Every module specifier in `import ... from "x"`, `export ... from "x"`, `import "x"`, `import("x")`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const re of [
    /\b(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(?\s*["']([^"']+)["']/g,
  ]) {
    for (const m of text.matchAll(re)) found.push(m[1] as string);
  }
  return found;
}

async function bundle(contents: string, minify: boolean): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    minify,
    logLevel: "silent",
  });
  return result.outputFiles[0]?.text ?? "";
}

describe("runtime/ as a package", () => {
  it("scans the runtime's sources", () => {
    expect(sources.map((s) => s.file)).toEqual(
      expect.arrayContaining(["errors.ts", "index.ts", "load.ts", "manifest.ts", "values.ts", "weights.ts"]),
    );
    expect(stripComments('a(); // import "x"\n/* import "y" */ b();')).toBe("a(); \n b();");
    expect(specifiers('import { a } from "./a.js";\nexport type { B } from "../b.js";\nimport "c";')).toEqual(
      ["./a.js", "../b.js", "c"],
    );
  });

  it("imports only its own files", () => {
    for (const { file, code } of sources) {
      for (const spec of specifiers(code)) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
        const target = resolve(runtimeDir, spec.replace(/\.js$/, ".ts"));
        expect(dirname(target), `${file} imports ${spec}`).toBe(runtimeDir);
        expect(existsSync(target), `${file} imports ${spec}`).toBe(true);
      }
    }
    expect(specifiers(sources.find((s) => s.file === "index.ts")?.code ?? "").length).toBeGreaterThan(3);
  });

  it("uses no Node built-ins or Node-only globals", () => {
    for (const { file, text } of sources) {
      expect(text, file).not.toMatch(/["']node:/);
      expect(text, file).not.toMatch(
        /\brequire\s*\(|\bprocess\.|\bBuffer\b|__dirname|__filename|\bimport\.meta\b/,
      );
    }
  });

  it("has no side effects at import time: a bundle that uses nothing is empty", async () => {
    expect(await bundle('import "./runtime/index.ts";', false)).toBe("");
    // while a bundle that uses load() keeps it
    expect(await bundle('export { load } from "./runtime/index.ts";', true)).toMatch(/WebAssembly/);
  });

  // 15.2 KB until 2026-12-01, when explaining traps on computed ids (traps.ts) added 2.5 KB;
  // 18.0 KB until 2026-12-02, when forward entries at several sizes (net.at, run() choosing the
  // entry from the inputs' sizes, their manifest checks) added 2.7 KB, most of it error messages
  it("stays small: the whole runtime minifies to under 24 KB", async () => {
    const size = (await bundle('export * from "./runtime/index.ts";', true)).length;
    expect(size).toBeGreaterThan(2_000);
    expect(size).toBeLessThan(24_000);
  });

  it("is exported as wasmgrad/runtime and built by tsconfig.build.json", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    expect(pkg.exports["./runtime"]).toEqual({
      types: "./dist/runtime/index.d.ts",
      import: "./dist/runtime/index.js",
    });
    const buildConfig = JSON.parse(readFileSync(join(root, "tsconfig.build.json"), "utf8")) as {
      include: string[];
    };
    expect(buildConfig.include).toContain("runtime");
  });
});
