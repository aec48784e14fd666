// The progress line of long loops (compiler/cli/progress.ts): the bar, rate and time left, redrawn
// in place on a terminal and written as plain periodic lines elsewhere.
import { describe, expect, it } from "vitest";
import { formatDuration, progress, progressLine } from "../../compiler/cli/progress.js";

/** A stream that records what is written, and a clock the test moves. */
function recorder() {
  const chunks: string[] = [];
  let t = 0;
  return {
    chunks,
    stream: { write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream,
    now: () => t,
    advance: (ms: number) => (t += ms),
  };
}

describe("progressLine", () => {
  it("shows the bar, the count, the rate and the time left, then the total time", () => {
    expect(progressLine(250, 1000, 5000, "steps", "loss 0.42")).toBe(
      "[######------------------]  25% 250/1000 steps, 50.0 steps/s, 0:15 left, loss 0.42",
    );
    expect(progressLine(1000, 1000, 83_000, "steps")).toBe(
      "[########################] 100% 1000/1000 steps, 12.0 steps/s, 1:23 in all",
    );
    expect(progressLine(0, 10, 0, "epochs")).toBe(
      "[------------------------]   0% 0/10 epochs, 0.00 epochs/s, ? left",
    );
  });

  it("formats durations as m:ss or h:mm:ss", () => {
    expect(formatDuration(5)).toBe("0:05");
    expect(formatDuration(4000)).toBe("1:06:40");
    expect(formatDuration(Infinity)).toBe("?");
  });
});

describe("progress", () => {
  it("on a terminal, redraws one line at most every 100 ms and ends it with a newline", () => {
    const r = recorder();
    const p = progress({ total: 100, stream: r.stream, interactive: true, now: r.now });
    p.update(1); // the first update draws
    r.advance(50);
    p.update(2); // too soon
    r.advance(60);
    p.update(3);
    p.finish("loss 0.1");
    expect(r.chunks).toHaveLength(3);
    expect(r.chunks.every((c) => c.startsWith("\r"))).toBe(true);
    expect(r.chunks[1]).toContain(" 3/100 steps");
    expect(r.chunks[2]!.endsWith(", loss 0.1\n")).toBe(true);
  });

  it("keeps the program's own lines whole: the bar is cleared before and drawn after", () => {
    const r = recorder();
    const out = recorder();
    const p = progress({ total: 10, stream: r.stream, interactive: true, now: r.now });
    p.update(4, "loss 1");
    p.log("epoch 1 done", out.stream);
    expect(out.chunks).toEqual(["epoch 1 done\n"]);
    expect(r.chunks[1]).toMatch(/^\r +\r$/);
    expect(r.chunks[2]).toContain(" 4/10 steps");
    expect(r.chunks[2]).toContain("loss 1");
  });

  it("elsewhere, writes a plain line every 5 s and at the end", () => {
    const r = recorder();
    const p = progress({ total: 10, stream: r.stream, interactive: false, now: r.now });
    for (let step = 1; step <= 10; step++) {
      r.advance(1000);
      p.update(step);
    }
    p.finish();
    expect(r.chunks.map((c) => c.match(/ (\d+)\/10 /)![1])).toEqual(["1", "6", "10"]);
    expect(r.chunks.every((c) => !c.includes("\r") && c.endsWith("\n"))).toBe(true);
  });
});
