/** Content-hashed file names for the emitted modules. */
import { createHash } from "node:crypto";

/** `<name>-<first 8 hex digits of the bytes' sha256>.wasm`, the name reduced to safe characters. */
export function assetName(name: string, wasm: Uint8Array): string {
  const hash = createHash("sha256").update(wasm).digest("hex").slice(0, 8);
  return `${safeName(name)}-${hash}.wasm`;
}

/** The model's name as a file name. */
export function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, "_") || "model";
}
