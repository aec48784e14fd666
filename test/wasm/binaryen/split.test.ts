// compiler/wasm/binaryen/split.ts: binaryen.js taken apart into its glue and its binary. The
// oracle for the decoded bytes is V8 itself: the same template literal evaluated as JavaScript,
// one byte per character (what binaryen's own decoder does).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { OPTIONS_GLOBAL, splitBinaryen } from "../../../compiler/wasm/binaryen/split.js";

const binaryenFile = createRequire(import.meta.url).resolve("binaryen");
const binaryenUrl = pathToFileURL(binaryenFile).href;
const utf8 = (text: string) => new TextEncoder().encode(text);

/** The bytes V8 makes of the template literal `literal` (its source text, backticks included). */
function evaluated(literal: string): Uint8Array {
  const text = new Function(`return ${literal};`)() as string;
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** A module laid out as binaryen.js is, with `literal` as its inlined binary. */
function fakeBinaryen(
  literal: string,
  { factoryCall = "=await S6()", hook = "instantiateWasm" } = {},
): string {
  return (
    `async function Ar(d={}){var A=d,u=import.meta.url;var t=A.${hook};` +
    `return t?1:(bA??=x6(${literal}))}var S6=Ar;var jr${factoryCall},$r=jr;export{$r as default};`
  );
}

describe("splitBinaryen on the installed binaryen.js", () => {
  const source = readFileSync(binaryenFile);
  const parts = splitBinaryen(source, binaryenUrl);

  it("finds the binary: the bytes V8 decodes from the same literal, a valid WebAssembly module", () => {
    expect(parts).toBeDefined();
    const text = source.toString("utf8");
    const start = text.indexOf("`\\0asm");
    let end = start + 1;
    while (text[end] !== "`") end += text[end] === "\\" ? 2 : 1;
    const expected = evaluated(text.slice(start, end + 1));
    expect(parts!.wasm.byteLength).toBe(expected.byteLength);
    expect(Buffer.from(parts!.wasm).equals(Buffer.from(expected))).toBe(true);
    expect(WebAssembly.validate(parts!.wasm)).toBe(true);
  });

  it("leaves glue without the binary, whose factory reads the options global, at binaryen.js's URL", () => {
    const glue = parts!.glue;
    expect(glue.length).toBeLessThan(source.byteLength / 20);
    expect(glue).not.toContain("\\0asm");
    expect(glue).not.toContain("import.meta.url");
    expect(glue).toContain(JSON.stringify(binaryenUrl));
    expect(glue.split(`(globalThis[${JSON.stringify(OPTIONS_GLOBAL)}])`)).toHaveLength(2);
    expect(glue).not.toMatch(/=await [\w$]+\(\)/);
  });
});

describe("splitBinaryen decodes every escape a template literal may hold", () => {
  it("agrees with V8 on raw bytes, \\x, \\u, single-character escapes, CR, CRLF and line continuations", () => {
    const all = Array.from({ length: 256 }, (_, b) => b);
    const raw = all
      .filter((b) => b >= 0x20 && b !== 0x60 && b !== 0x5c && b !== 0x24 && b !== 0x7f)
      .map((b) => String.fromCharCode(b))
      .join("");
    const hex = all.map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
    const unicode = all.map((b) => `\\u${b.toString(16).toUpperCase().padStart(4, "0")}`).join("");
    const literal =
      "`\\0asm" + raw + hex + unicode + "\\b\\t\\n\\v\\f\\r\\\\\\`\\$\\q" + "a\r\nb\rc\nd" + "e\\\nf\\\r\ng`";
    const parts = splitBinaryen(utf8(fakeBinaryen(literal)), "file:///x/index.js");
    expect(parts).toBeDefined();
    expect(Array.from(parts!.wasm)).toEqual(Array.from(evaluated(literal)));
    expect(parts!.glue).toContain(`var jr=await S6(globalThis[${JSON.stringify(OPTIONS_GLOBAL)}])`);
    expect(parts!.glue).toContain('u="file:///x/index.js"');
  });

  it.each([
    ["a substitution in the literal", fakeBinaryen("`\\0asm${x}`")],
    ["a character above U+00FF", fakeBinaryen("`\\0asm\u0101`")],
    ["an escape above U+00FF", fakeBinaryen("`\\0asm\\u0101`")],
    ["a bad hex escape", fakeBinaryen("`\\0asm\\xZZ`")],
    ["an unterminated literal", fakeBinaryen("`\\0asm").replace(/`[^`]*$/, "")],
    ["two inlined binaries", fakeBinaryen("`\\0asm`") + "x6(`\\0asm`)"],
    ["no binary", fakeBinaryen("`abc`")],
    ["a factory called with options", fakeBinaryen("`\\0asm`", { factoryCall: "=await S6({})" })],
    ["a factory called twice", fakeBinaryen("`\\0asm`", { factoryCall: "=await S6(),k=await S6()" })],
    ["no instantiateWasm option", fakeBinaryen("`\\0asm`", { hook: "other" })],
  ])("returns undefined for %s (binaryen then loads the plain way)", (_, source) => {
    expect(splitBinaryen(utf8(source), "file:///x/index.js")).toBeUndefined();
  });
});
