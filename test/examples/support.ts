// Runs the examples as users run them (tsx, one subprocess each, in a scratch directory that
// receives their out/ files) and reads what they print and write.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = join(root, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A scratch directory and the examples run in it. */
export class Examples {
  readonly cwd = mkdtempSync(join(tmpdir(), "wasmgrad-examples-"));
  private readonly runs: Record<string, Run> = {};

  /** Runs examples/<name>/train.ts with `args`; several may run at once. */
  async run(name: string, args: readonly string[] = []): Promise<void> {
    this.runs[name] = await new Promise((resolve) => {
      execFile(
        tsx,
        [join(root, "examples", name, "train.ts"), ...args],
        { cwd: this.cwd, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** The example's output, after checking that it exited cleanly. */
  output(name: string): string {
    const r = this.runs[name];
    expect(r, `${name} ran`).toBeDefined();
    expect(r!.code, `${name} exited with ${r!.code}:\n${r!.stdout}\n${r!.stderr}`).toBe(0);
    return r!.stdout;
  }

  /** Reads out/<file>, checks it is a balanced SVG document, and counts each element. */
  svg(file: string): Record<string, number> {
    const text = readFileSync(join(this.cwd, "out", file), "utf8");
    expect(text.startsWith("<svg ")).toBe(true);
    expect(text.trimEnd().endsWith("</svg>")).toBe(true);
    const open: string[] = [];
    const counts: Record<string, number> = {};
    for (const [tag, close, name, selfClosing] of text.matchAll(/<(\/?)([a-zA-Z]+)\b[^<>]*?(\/?)>/g)) {
      if (close) expect(open.pop(), tag).toBe(name);
      else {
        counts[name!] = (counts[name!] ?? 0) + 1;
        if (!selfClosing) open.push(name!);
      }
    }
    expect(open).toEqual([]);
    // no stray markup characters outside tags (e.g. an unescaped "<" in a label)
    expect(text.replace(/<[^<>]*>/g, "")).not.toMatch(/[<>]/);
    return counts;
  }

  /** Reads out/<file> as text. */
  text(file: string): string {
    return readFileSync(join(this.cwd, "out", file), "utf8");
  }

  cleanup(): void {
    rmSync(this.cwd, { recursive: true, force: true });
  }
}

/** The first number (a percentage or a loss) after `label` in `text`. */
export function numberAfter(text: string, label: string): number {
  const i = text.indexOf(label);
  expect(i, `"${label}" in:\n${text}`).toBeGreaterThanOrEqual(0);
  const m = /-?\d+(\.\d+)?(e-?\d+)?/.exec(text.slice(i + label.length));
  expect(m, `a number after "${label}"`).not.toBeNull();
  return Number(m![0]);
}
