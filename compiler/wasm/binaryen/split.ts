/**
 * binaryen.js ships as one 15 MB ES module: emscripten's JavaScript glue (about 180 KB) with the
 * 9.9 MB WebAssembly binary inlined as a template literal that the glue decodes at load time
 * (`x6(`\0asm...`)`: one character per byte). Importing it costs V8 a scan of the whole literal
 * and the glue a byte-by-byte decode, 0.75–0.85 s on the 2-core machine, before any compile.
 *
 * `splitBinaryen` takes that file apart: the binary, decoded once, and the glue without the
 * literal, whose factory call (`await S6()`) is given emscripten's `instantiateWasm` option so that
 * it instantiates a module compiled elsewhere. Loading the two parts takes 0.15 s
 * (compiler/wasm/binaryen/load.ts measures and caches them).
 *
 * The split depends on the layout of binaryen.js's build, so it checks every assumption and
 * returns undefined when one fails (a future binaryen then loads the ordinary way, only slower).
 */

/** The glue and the binary of binaryen.js's build. */
export interface BinaryenParts {
  /**
   * An ES module: binaryen.js without its inlined binary, default-exporting what binaryen.js
   * exports. Its factory takes emscripten's options from `globalThis[OPTIONS_GLOBAL]`, which must
   * provide `instantiateWasm` (the inlined binary is gone), and `import.meta.url` is replaced by
   * binaryen.js's own URL so that the glue may live anywhere.
   */
  readonly glue: string;
  /** The WebAssembly binary the glue instantiates. */
  readonly wasm: Uint8Array<ArrayBuffer>;
}

/** Where the split glue reads emscripten's options (set just before it is imported). */
export const OPTIONS_GLOBAL = "__wasmgradBinaryenOptions";

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const BACKSLASH = 0x5c;
const BACKTICK = 0x60;
const DOLLAR = 0x24;
const BRACE = 0x7b;

/**
 * Splits binaryen.js's source (its bytes, UTF-8) into glue and binary; `url` is its file URL.
 * Undefined when the source is not laid out as expected (see the file comment).
 */
export function splitBinaryen(source: Uint8Array, url: string): BinaryenParts | undefined {
  // the literal opens with the escaped magic number: a backtick, then "\0asm"
  const start = indexOf(source, "`\\0asm");
  if (start < 0 || indexOf(source, "`\\0asm", start + 1) >= 0) return undefined;
  const decoded = decodeLiteral(source, start + 1);
  if (!decoded) return undefined;
  const { bytes, end } = decoded;
  if (!WASM_MAGIC.every((b, i) => bytes[i] === b)) return undefined;
  const text = new TextDecoder();
  const before = text.decode(source.subarray(0, start));
  const after = text.decode(source.subarray(end + 1));
  // the factory is called once, with no options, at the top level: `var jr=await S6()`
  const calls = [...after.matchAll(/=await ([\w$]+)\(\)/g)];
  if (calls.length !== 1 || !before.includes("instantiateWasm")) return undefined;
  const call = calls[0]!;
  const options = `=await ${call[1]}(globalThis[${JSON.stringify(OPTIONS_GLOBAL)}])`;
  const glue = (
    before +
    "``" +
    after.slice(0, call.index) +
    options +
    after.slice(call.index + call[0].length)
  )
    .split("import.meta.url")
    .join(JSON.stringify(url));
  return { glue, wasm: bytes };
}

/**
 * The cooked value of the template literal whose text starts at `from` (after the backtick), as
 * bytes (each character one byte, as binaryen's decoder reads it), and the index of the closing
 * backtick. Undefined for a character above U+00FF or a substitution (neither is binary data).
 */
function decodeLiteral(
  src: Uint8Array,
  from: number,
): { bytes: Uint8Array<ArrayBuffer>; end: number } | undefined {
  const out = new Uint8Array(src.length - from);
  let n = 0;
  let i = from;
  for (;;) {
    if (i >= src.length) return undefined;
    let c = src[i]!;
    if (c === BACKTICK) break;
    if (c === DOLLAR && src[i + 1] === BRACE) return undefined;
    if (c === BACKSLASH) {
      const e = src[i + 1];
      i += 2;
      switch (e) {
        case 0x30: // \0 (a digit after it would be a syntax error in a template)
          c = 0;
          break;
        case 0x78: // \xHH
          c = hex(src, i, 2);
          i += 2;
          break;
        case 0x75: // \uHHHH (\u{...} is not used for bytes)
          c = hex(src, i, 4);
          i += 4;
          break;
        case 0x62:
          c = 8;
          break;
        case 0x74:
          c = 9;
          break;
        case 0x6e:
          c = 10;
          break;
        case 0x76:
          c = 11;
          break;
        case 0x66:
          c = 12;
          break;
        case 0x72:
          c = 13;
          break;
        case 0x0a: // a line continuation
          continue;
        case 0x0d:
          if (src[i] === 0x0a) i++;
          continue;
        default:
          if (e === undefined || e >= 0x80) return undefined;
          c = e; // \\, \`, \$ and the other characters stand for themselves
      }
      if (!(c >= 0 && c <= 0xff)) return undefined; // NaN from a bad hex digit, or above U+00FF
    } else if (c === 0x0d) {
      // a template literal reads CR and CRLF as LF
      if (src[i + 1] === 0x0a) i++;
      c = 0x0a;
      i++;
    } else if (c < 0x80) {
      i++;
    } else if ((c & 0xe0) === 0xc0) {
      // U+0080..U+07FF in UTF-8; only U+0080..U+00FF can be a byte
      c = ((c & 0x1f) << 6) | (src[i + 1]! & 0x3f);
      if (c > 0xff) return undefined;
      i += 2;
    } else {
      return undefined;
    }
    out[n++] = c;
  }
  return { bytes: out.slice(0, n), end: i };
}

function hex(src: Uint8Array, at: number, digits: number): number {
  let v = 0;
  for (let k = 0; k < digits; k++) {
    const d = src[at + k]!;
    const x =
      d >= 0x30 && d <= 0x39 ? d - 0x30 : (d | 0x20) >= 0x61 && (d | 0x20) <= 0x66 ? (d | 0x20) - 0x57 : -1;
    if (x < 0) return NaN;
    v = v * 16 + x;
  }
  return v;
}

/** The index of the ASCII string `needle` in `haystack` from `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: string, from = 0): number {
  const first = needle.charCodeAt(0);
  outer: for (let i = haystack.indexOf(first, from); i >= 0; i = haystack.indexOf(first, i + 1)) {
    for (let k = 1; k < needle.length; k++) if (haystack[i + k] !== needle.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}
