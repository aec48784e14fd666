/**
 * The cache on disk: one file per key, `<dir>/<key>.wgc` (entry.ts's format).
 *
 * - Reading never fails a compile: a missing file is a miss, a damaged one is reported as corrupt
 *   (and overwritten by the rebuilt entry).
 * - Writing is atomic: the entry goes to a temporary file of its own (named by process id and a
 *   random suffix) that is then renamed over `<key>.wgc`. Readers see the old file or the new
 *   one, never a part; two processes writing the same key write the same bytes, and the last
 *   rename wins.
 * - Size is bounded: after a write, when the entries hold more than `maxBytes`, the least recently
 *   used (by modification time, which a hit refreshes) are deleted until they hold at most 3/4 of
 *   it. Temporary files left by a process that died are deleted after an hour.
 */
import { randomBytes } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { decodeEntry, encodeEntry, type Artifact } from "./entry.js";

export const ENTRY_SUFFIX = ".wgc";
const TEMP_SUFFIX = ".tmp";
const STALE_TEMP_MS = 60 * 60 * 1000;

export const entryPath = (dir: string, key: string): string => join(dir, `${key}${ENTRY_SUFFIX}`);

export type ReadResult =
  | { readonly status: "hit"; readonly artifacts: Map<string, Artifact> }
  | { readonly status: "missing" }
  | { readonly status: "corrupt"; readonly reason: string };

/** The entry of `key` in `dir`, if there is a sound one. */
export function readEntry(dir: string, key: string): ReadResult {
  const path = entryPath(dir, key);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return { status: "missing" }; // absent, evicted meanwhile, or unreadable: compile
  }
  const decoded = decodeEntry(bytes, key);
  if ("corrupt" in decoded) return { status: "corrupt", reason: decoded.corrupt };
  try {
    const now = new Date();
    utimesSync(path, now, now); // recently used: evicted last
  } catch {
    // a read-only cache still serves hits
  }
  return { status: "hit", artifacts: decoded.artifacts };
}

/** Writes the entry of `key` atomically, then trims the directory to `maxBytes`. Throws on failure. */
export function writeEntry(
  dir: string,
  key: string,
  artifacts: ReadonlyMap<string, Artifact>,
  maxBytes: number,
): void {
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `${key}.${process.pid}-${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`);
  try {
    writeFileSync(temp, encodeEntry(key, artifacts), { flag: "wx" });
    renameSync(temp, entryPath(dir, key));
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  evict(dir, maxBytes, key);
}

/** Deletes the least recently used entries beyond `maxBytes` (never `keep`), and stale temporary files. */
export function evict(dir: string, maxBytes: number, keep?: string): void {
  const entries: { name: string; path: string; bytes: number; used: number }[] = [];
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      const s = statSync(path);
      if (name.endsWith(TEMP_SUFFIX) && now - s.mtimeMs > STALE_TEMP_MS) rmSync(path, { force: true });
      if (name.endsWith(ENTRY_SUFFIX)) entries.push({ name, path, bytes: s.size, used: s.mtimeMs });
    } catch {
      // removed by another process meanwhile
    }
  }
  let total = entries.reduce((sum, e) => sum + e.bytes, 0);
  if (total <= maxBytes) return;
  entries.sort((a, b) => a.used - b.used);
  for (const e of entries) {
    if (total <= (maxBytes * 3) / 4) break;
    if (e.name === `${keep}${ENTRY_SUFFIX}`) continue;
    rmSync(e.path, { force: true });
    total -= e.bytes;
  }
}
