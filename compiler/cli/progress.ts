/**
 * Progress of a long loop (training steps) for people: on a terminal, one line redrawn in place
 * with a bar, the rate and the time left; elsewhere (a file, a pipe, CI logs), a plain line every
 * `plainEveryMs`, so that logs stay readable. Written for the CLI's `train` and the examples; no
 * dependency (a bar, a rate and an ETA are twenty lines).
 */

export interface ProgressOptions {
  /** The number of steps the loop will take. */
  readonly total: number;
  /** What the steps are, in the line: "steps", "epochs". */
  readonly unit?: string;
  /** The stream to write to (default process.stderr). */
  readonly stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Whether to redraw one line in place (default: whether the stream is a TTY). */
  readonly interactive?: boolean;
  /** The least time between two redraws on a terminal (default 100 ms). */
  readonly redrawEveryMs?: number;
  /** The least time between two plain lines (default 5 s; Infinity: none but the last). */
  readonly plainEveryMs?: number;
  /** A clock in milliseconds (default performance.now), for tests. */
  readonly now?: () => number;
}

export interface Progress {
  /** Reports that `done` steps are finished; `detail` (the loss, say) ends the line. */
  update(done: number, detail?: string): void;
  /** Ends the progress: the final line stays (with a newline on a terminal). */
  finish(detail?: string): void;
  /**
   * Prints a line of the program's own output (to `out`, default process.stdout) without tearing
   * the bar: on a terminal the bar is cleared first and drawn again after.
   */
  log(line: string, out?: NodeJS.WritableStream): void;
}

const BAR_WIDTH = 24;

/** `83` → "1:23", `4000` → "1:06:40". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** The text of one progress line (without the carriage return or newline). */
export function progressLine(
  done: number,
  total: number,
  elapsedMs: number,
  unit: string,
  detail = "",
): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : Infinity;
  const rateText = rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3);
  return (
    `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ` +
    `${done}/${total} ${unit}, ${rateText} ${unit}/s, ${done < total ? `${formatDuration(eta)} left` : `${formatDuration(elapsedMs / 1000)} in all`}` +
    (detail ? `, ${detail}` : "")
  );
}

export function progress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? ("isTTY" in stream && stream.isTTY === true);
  const now = options.now ?? (() => performance.now());
  const unit = options.unit ?? "steps";
  const redrawEvery = options.redrawEveryMs ?? 100;
  const plainEvery = options.plainEveryMs ?? 5000;
  const started = now();
  let lastWrite = -Infinity;
  let lastDone = 0;
  let lastDetail: string | undefined;
  let width = 0;
  const write = (done: number, detail: string | undefined, final: boolean) => {
    const line = progressLine(done, options.total, now() - started, unit, detail);
    if (interactive) {
      // pad over a longer previous line; the cursor stays on the line until the end
      stream.write(`\r${line.padEnd(width)}${final ? "\n" : ""}`);
      width = line.length;
    } else {
      stream.write(`${line}\n`);
    }
    lastWrite = now();
  };
  return {
    update(done, detail) {
      lastDone = done;
      lastDetail = detail;
      if (now() - lastWrite >= (interactive ? redrawEvery : plainEvery)) write(done, detail, false);
    },
    finish(detail) {
      write(lastDone, detail ?? lastDetail, true);
    },
    log(line, out = process.stdout) {
      if (interactive && width > 0) stream.write(`\r${" ".repeat(width)}\r`);
      out.write(`${line}\n`);
      if (interactive && width > 0) write(lastDone, lastDetail, false);
    },
  };
}

/**
 * A progress bar on a terminal, and nothing elsewhere: for programs that already print their own
 * periodic lines (the examples), so that their logs and parsed output stay as they are.
 */
export function terminalProgress(options: Omit<ProgressOptions, "interactive">): Progress {
  const stream = options.stream ?? process.stderr;
  if ("isTTY" in stream && stream.isTTY === true) return progress({ ...options, interactive: true });
  return {
    update() {},
    finish() {},
    log(line, out = process.stdout) {
      out.write(`${line}\n`);
    },
  };
}
