/**
 * The bytes of one cache entry: named artifacts (the module, its manifest, optional texts) under
 * a header that lets a reader detect any damage, so that a truncated, overwritten or foreign
 * file is rebuilt instead of served.
 *
 *   offset  size  field
 *        0     8  magic: "wgcache\0"
 *        8     4  format version, u32 little-endian (ENTRY_FORMAT)
 *       12    32  sha256 of everything after it (bytes 44 to the end)
 *       44     4  header length H, u32 little-endian
 *       48     H  header, JSON: { key, artifacts: [{ name, type: "bytes" | "text", bytes }] }
 *     48+H     …  the artifacts' bytes, one after the other, in the header's order
 *
 * The header repeats the key, so that a file renamed or copied under another key is not taken
 * for that key's entry. Pure functions of bytes: the file system is store.ts's business.
 */
import { createHash } from "node:crypto";

export const ENTRY_FORMAT = 1;
const MAGIC = new TextEncoder().encode("wgcache\0");
const HASHED_FROM = 44;

export type Artifact = string | Uint8Array;

interface HeaderJSON {
  readonly key: string;
  readonly artifacts: readonly {
    readonly name: string;
    readonly type: "bytes" | "text";
    readonly bytes: number;
  }[];
}

const sha256 = (bytes: Uint8Array): Uint8Array => createHash("sha256").update(bytes).digest();

/** The entry holding `artifacts` under `key`. */
export function encodeEntry(key: string, artifacts: ReadonlyMap<string, Artifact>): Uint8Array {
  const encoder = new TextEncoder();
  const bodies = [...artifacts].map(([name, value]) => ({
    name,
    type: typeof value === "string" ? ("text" as const) : ("bytes" as const),
    data: typeof value === "string" ? encoder.encode(value) : value,
  }));
  const header: HeaderJSON = {
    key,
    artifacts: bodies.map(({ name, type, data }) => ({ name, type, bytes: data.length })),
  };
  const headerBytes = encoder.encode(JSON.stringify(header));
  const total = HASHED_FROM + 4 + headerBytes.length + bodies.reduce((sum, b) => sum + b.data.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, ENTRY_FORMAT, true);
  view.setUint32(HASHED_FROM, headerBytes.length, true);
  out.set(headerBytes, HASHED_FROM + 4);
  let at = HASHED_FROM + 4 + headerBytes.length;
  for (const b of bodies) {
    out.set(b.data, at);
    at += b.data.length;
  }
  out.set(sha256(out.subarray(HASHED_FROM)), 12);
  return out;
}

/**
 * The artifacts of an entry read back, or why the bytes are not a sound entry for `key` (one
 * phrase, for a note such as "cache entry … is corrupt (the content hash differs)").
 */
export function decodeEntry(
  bytes: Uint8Array,
  key: string,
): { readonly artifacts: Map<string, Artifact> } | { readonly corrupt: string } {
  if (bytes.length < HASHED_FROM + 4) return { corrupt: `truncated to ${bytes.length} bytes` };
  if (!MAGIC.every((b, i) => bytes[i] === b)) return { corrupt: "not a wasmgrad cache entry (wrong magic)" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== ENTRY_FORMAT) return { corrupt: `entry format ${version}, expected ${ENTRY_FORMAT}` };
  const expected = sha256(bytes.subarray(HASHED_FROM));
  if (!expected.every((b, i) => bytes[12 + i] === b)) return { corrupt: "the content hash differs" };
  // the hash matched, so what follows was written by encodeEntry; still, check before trusting it
  const headerLength = view.getUint32(HASHED_FROM, true);
  const bodyStart = HASHED_FROM + 4 + headerLength;
  if (bodyStart > bytes.length) return { corrupt: "the header runs past the end" };
  let header: HeaderJSON;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(HASHED_FROM + 4, bodyStart))) as HeaderJSON;
  } catch {
    return { corrupt: "the header is not JSON" };
  }
  if (header.key !== key) return { corrupt: `it holds key ${String(header.key).slice(0, 12)}…` };
  const decoder = new TextDecoder();
  const artifacts = new Map<string, Artifact>();
  let at = bodyStart;
  for (const a of header.artifacts ?? []) {
    if (!Number.isInteger(a.bytes) || a.bytes < 0 || at + a.bytes > bytes.length) {
      return { corrupt: `artifact '${a.name}' runs past the end` };
    }
    const data = bytes.slice(at, at + a.bytes); // a copy owning a plain ArrayBuffer
    artifacts.set(a.name, a.type === "text" ? decoder.decode(data) : data);
    at += a.bytes;
  }
  if (at !== bytes.length) return { corrupt: `${bytes.length - at} bytes after the last artifact` };
  return { artifacts };
}
