// Vite's dev server with the plugin, on a copy of the fixture app in a temp directory: the model
// is compiled when its module is requested and served from memory; saving the model file, or a
// file it imports, recompiles it: the module is invalidated, Vite tells the page to reload, and
// the module requested again has the new manifest and a new .wasm URL, which serves the new bytes.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer, type InlineConfig, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config from "../fixtures/web-app/vite.config.js";
import { copyFixture, manifestOf } from "./support.js";

const ID = "/xor.model.ts?wasmgrad";
let dir = "";
let server: ViteDevServer | undefined;
/** What the dev server sent to its pages (HMR payloads). */
const sent: { type: string }[] = [];

beforeAll(async () => {
  dir = copyFixture("dev");
  server = await createServer({
    ...(config as InlineConfig),
    configFile: false,
    root: dir,
    logLevel: "silent",
    server: { host: "127.0.0.1", port: 0 },
  });
  await server.listen();
  const hot = server.environments.client.hot;
  const send = hot.send.bind(hot);
  hot.send = ((payload: { type: string }) => {
    sent.push(payload);
    send(payload as never);
  }) as typeof hot.send;
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Served {
  readonly url: string;
  readonly shapes: Record<string, readonly number[]>;
}

/** The model module as the dev server serves it now: its .wasm URL and its params' shapes. */
async function served(): Promise<Served> {
  const result = await server!.transformRequest(ID);
  const code = result!.code;
  const url = JSON.parse(/const wasmUrl = (".*?");/.exec(code)![1]!) as string;
  const json = JSON.parse(/JSON\.parse\((".*")\)/.exec(code)![1]!) as string;
  const manifest = JSON.parse(json) as { tensors: { name: string; role: string; shape: number[] }[] };
  const params = manifest.tensors.filter((t) => t.role === "param");
  return { url, shapes: Object.fromEntries(params.map((t) => [t.name, t.shape])) };
}

/** Polls `served()` until the served module differs from `before` (the watcher is asynchronous). */
async function servedAfterChange(before: Served, timeoutMs = 20_000): Promise<Served> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await served();
    if (now.url !== before.url) return now;
    if (Date.now() > deadline) throw new Error(`the dev server still serves ${before.url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET from the dev server. */
async function get(path: string): Promise<Response> {
  return fetch(new URL(path, server!.resolvedUrls!.local[0]!));
}

function edit(file: string, replace: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, replace(readFileSync(path, "utf8")));
}

describe("vite dev server", () => {
  let first: Served;

  it("serves the importer, the model module and its .wasm from memory", async () => {
    const main = await server!.transformRequest("/main.ts");
    expect(main!.code).toContain(`from "${ID}"`);
    first = await served();
    expect(first.url).toMatch(/^\/@wasmgrad\/xor-[0-9a-f]{8}\.wasm$/);
    expect(first.shapes.W1).toEqual([2, 8]);
    const code = (await server!.transformRequest(ID))!.code;
    expect(code).toMatch(/from "\/@fs\/.*\/dist\/runtime\/index\.js"/);

    const response = await get(first.url);
    expect(response.headers.get("content-type")).toBe("application/wasm");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(manifestOf(bytes)?.model).toBe("xor");
  });

  it("recompiles when the model file is saved, and reloads the page", async () => {
    const reloads = sent.length;
    edit("xor.model.ts", (text) =>
      text.replace("[2, 8]", "[2, 6]").replace('"b1", [8]', '"b1", [6]').replace("[8, 1]", "[6, 1]"),
    );
    const next = await servedAfterChange(first);
    expect(next.shapes.W1).toEqual([2, 6]);
    expect(sent.slice(reloads).map((p) => p.type)).toContain("full-reload");
    expect((await get(next.url)).status).toBe(200);
    first = next;
  });

  it("recompiles when a file the model imports is saved", async () => {
    writeFileSync(join(dir, "width.ts"), "export const HIDDEN = 5;\n");
    edit("xor.model.ts", (text) =>
      text
        .replace('from "wasmgrad";', 'from "wasmgrad";\nimport { HIDDEN } from "./width.js";')
        .replaceAll("6", "HIDDEN"),
    );
    const withHelper = await servedAfterChange(first);
    expect(withHelper.shapes.W1).toEqual([2, 5]);

    edit("width.ts", () => "export const HIDDEN = 3;\n");
    const next = await servedAfterChange(withHelper);
    expect(next.shapes.W1).toEqual([2, 3]);
    expect(next.shapes.W2).toEqual([3, 1]);
  });

  it("reports a shape error at the model file's line, and recompiles once it is fixed", async () => {
    const before = await served();
    edit("xor.model.ts", (text) =>
      text.replace('m.param("W2", [HIDDEN, 1])', 'm.param("W2", [HIDDEN + 1, 1])'),
    );
    const line =
      readFileSync(join(dir, "xor.model.ts"), "utf8")
        .split("\n")
        .findIndex((l) => l.includes(".matmul(W2)")) + 1;
    const deadline = Date.now() + 20_000;
    let error: { message: string; loc?: { file: string; line: number } } | undefined;
    while (!error && Date.now() < deadline) {
      error = await served().then(
        () => undefined,
        (e: unknown) => e as typeof error,
      );
      if (!error) await new Promise((r) => setTimeout(r, 100));
    }
    expect(error?.message).toContain("matmul: inner dimensions differ");
    expect(error?.loc).toMatchObject({ file: join(dir, "xor.model.ts"), line });

    edit("xor.model.ts", (text) => text.replace("[HIDDEN + 1, 1]", "[HIDDEN, 1]"));
    const deadlineFixed = Date.now() + 20_000;
    for (;;) {
      const now = await served().catch(() => undefined);
      if (now) {
        expect(now).toEqual(before);
        break;
      }
      if (Date.now() > deadlineFixed) throw new Error("the fixed model was not recompiled");
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
