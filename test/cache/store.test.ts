// The cache directory (compiler/cache/store.ts): entries replaced atomically while other
// processes write and read them, and the least recently used evicted beyond the size bound.
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { entryPath, evict, readEntry, writeEntry } from "../../compiler/cache/store.js";
import { repoRoot } from "../support/cli.js";

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-store-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const key = (c: string) => c.repeat(64);
const blob = (bytes: number) => new Map([["data", new Uint8Array(bytes)]]);

function writer(dir: string, id: number, times: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "test/cache/concurrent-writer.ts", dir, key("c"), String(id), String(times)],
      { cwd: repoRoot, timeout: 120_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`writer ${id}: ${stderr || error.message}`)) : resolve(),
    );
  });
}

describe("the cache directory", () => {
  it("never shows a reader a partial entry while processes replace it", async () => {
    const dir = join(scratch, "race");
    const writers = Promise.all([1, 2, 3].map((id) => writer(dir, id, 40)));
    let done = false;
    void writers.finally(() => (done = true));
    const seen = new Set<number>();
    while (!done) {
      const r = readEntry(dir, key("c"));
      expect(r.status).not.toBe("corrupt");
      if (r.status === "hit") {
        const data = r.artifacts.get("data") as Uint8Array;
        expect(data.length).toBe(256 * 1024);
        expect(data.every((b) => b === data[0])).toBe(true); // one writer's bytes, whole
        seen.add(data[0]!);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await writers;
    expect(seen.size).toBeGreaterThan(0);
    expect(readEntry(dir, key("c")).status).toBe("hit");
    expect(readdirSync(dir)).toEqual([`${key("c")}.wgc`]); // no temporary file left
  }, 120_000);

  it("evicts the least recently used entries beyond the bound, never the one just written", () => {
    const dir = join(scratch, "bounded");
    const old = (k: string, seconds: number) => utimesSync(entryPath(dir, k), seconds, seconds);
    writeEntry(dir, key("1"), blob(1000), 1e6);
    writeEntry(dir, key("2"), blob(1000), 1e6);
    writeEntry(dir, key("3"), blob(1000), 1e6);
    old(key("1"), 1000);
    old(key("2"), 3000);
    old(key("3"), 2000);
    expect(readEntry(dir, key("1")).status).toBe("hit"); // a hit makes 1 the most recently used
    writeEntry(dir, key("4"), blob(1000), 3500); // 4 entries of ~1.1 KB: down to 3/4 of 3500 bytes
    const left = readdirSync(dir).sort();
    expect(left).toEqual([`${key("1")}.wgc`, `${key("4")}.wgc`]);
    // the entry just written stays even when it alone is over the bound
    writeEntry(dir, key("5"), blob(5000), 3500);
    expect(readdirSync(dir)).toEqual([`${key("5")}.wgc`]);
  });

  it("deletes temporary files a dead process left, after an hour", () => {
    const dir = join(scratch, "temps");
    writeEntry(dir, key("a"), blob(10), 1e6);
    const stale = join(dir, `${key("b")}.123-abcd.tmp`);
    const fresh = join(dir, `${key("b")}.124-abcd.tmp`);
    writeFileSync(stale, "");
    writeFileSync(fresh, "");
    utimesSync(stale, Date.now() / 1000 - 7200, Date.now() / 1000 - 7200);
    evict(dir, 1e6);
    expect([existsSync(stale), existsSync(fresh)]).toEqual([false, true]);
    expect(statSync(entryPath(dir, key("a"))).size).toBeGreaterThan(10);
  });
});
