/**
 * W5 of `npm run bench` (`--only word2vec`): word2vec on the Brown corpus, wasmgrad
 * (examples/word2vec) against the original C tool, built and run in the same bench run.
 *
 * - The anchor: ../shared/anchors/word2vec/word2vec.c (Apache 2.0, unmodified), built with its
 *   README's command (`gcc -O3 -march=native -funroll-loops … -lm -pthread`) into a temporary
 *   directory. Absent (or no gcc): the section says so and is skipped.
 * - The corpus file as its README says: Brown lower-cased, one sentence per line, tags removed
 *   (examples/word2vec/corpus.ts `corpusText`); both read the same sentences, and their
 *   vocabularies agree (14,222 words with "</s>", 1,160,492 training words).
 * - Settings: one epoch (`-iter 1`: word2vec.c's default is 5, and the README's command leaves it
 *   out), 100 dimensions, window 5, min-count 5, no subsampling (`-sample 0`), one thread; skip-gram
 *   with the hierarchical softmax (`-cbow 0 -hs 1 -negative 0`), and CBOW the same way (`-cbow 1`,
 *   whose default alpha is 0.05, as wasmgrad's).
 * - Speed: words per second as word2vec.c counts them (every "</s>" included) over its training
 *   time: its own last "Words/thread/sec" line (words so far over CPU time since training began,
 *   which on one thread is its wall time). wasmgrad's is the same count over the wall time of its
 *   training loop (packing the items in JS and the compiled steps), in this process, after its
 *   compile (reported apart).
 * - Quality: examples/word2vec/evaluate.ts `tagScore` on both sets of input vectors (word2vec.c's
 *   written with `-binary 0`): each held-out word type's most frequent coarse Brown tag predicted
 *   by its 5 nearest neighbours (cosine) among the other types.
 * - Rounds: the two tools alternate, `rounds` times (3; 1 with --quick); wasmgrad's seed is the
 *   round (word2vec.c on one thread always starts its random state at 0). Medians are reported,
 *   with the range.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { corpusText } from "../../examples/word2vec/corpus.js";
import { readTextVectors, reorderRows, tagScore } from "../../examples/word2vec/evaluate.js";
import { loadCorpus, runWord2vec } from "../../examples/word2vec/run.js";
import type { Architecture } from "../../examples/word2vec/trainer.js";
import { loadAverage } from "../lib/machine.js";
import { spliceSection } from "../lib/sections.js";
import { median } from "../lib/timing.js";

const run = promisify(execFile);
export const ANCHOR_DIR = fileURLToPath(new URL("../../../shared/anchors/word2vec/", import.meta.url));
export const CFLAGS = ["-O3", "-march=native", "-funroll-loops"];
const ARCHITECTURES: readonly Architecture[] = ["skipgram", "cbow"];
const DIM = 100;
const WINDOW = 5;
const MIN_COUNT = 5;

export interface ToolRun {
  readonly wordsPerSecond: number;
  /** Tag-score accuracy (0–1). */
  readonly accuracy: number;
}

export interface ArchitectureResult {
  readonly architecture: Architecture;
  readonly wasmgrad: readonly ToolRun[];
  readonly word2vec: readonly ToolRun[];
  /** The majority-tag baseline of the score (the same for both). */
  readonly majority: number;
  readonly heldOut: number;
  readonly wasmgradCompileMs: number;
  readonly command: string;
}

export interface Word2vecResults {
  readonly date: string;
  /** Why the section did not run. */
  readonly skip?: string;
  readonly vocab: number;
  readonly trainWords: number;
  readonly rounds: number;
  readonly gcc?: string;
  readonly results: readonly ArchitectureResult[];
  readonly load: { readonly start: number; readonly end: number };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0]! : String(e);
}

/** The last "Words/thread/sec: 355.52k" of word2vec.c's \r-separated progress, in words/s. */
export function parseWordsPerSecond(stdout: string): number {
  const all = [...stdout.matchAll(/Words\/thread\/sec: ([\d.]+)k/g)];
  if (!all.length) throw new Error("word2vec.c printed no Words/thread/sec line");
  return Number(all[all.length - 1]![1]) * 1000;
}

export async function runWord2vecSection(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<Word2vecResults> {
  const { log } = options;
  const date = new Date().toISOString();
  const loadStart = loadAverage();
  const rounds = options.quick ? 1 : 3;
  const empty = {
    date,
    vocab: 0,
    trainWords: 0,
    rounds,
    results: [],
    load: { start: loadStart, end: loadStart },
  };
  log(
    `\nW5 word2vec: skip-gram and CBOW with the hierarchical softmax on Brown, one epoch, against word2vec.c`,
  );
  const source = join(ANCHOR_DIR, "word2vec.c");
  if (!existsSync(source)) {
    const skip = `the anchor ${source} is absent`;
    log(`  SKIPPED: ${skip}`);
    return { ...empty, skip };
  }
  const dir = mkdtempSync(join(tmpdir(), "wasmgrad-w5-"));
  try {
    const binary = join(dir, "word2vec");
    let gcc: string;
    try {
      gcc = (await run("gcc", ["--version"])).stdout.split("\n")[0]!;
      await run("gcc", [...CFLAGS, "-o", binary, source, "-lm", "-pthread"]);
    } catch (e) {
      const skip = `could not build word2vec.c with gcc: ${message(e)}`;
      log(`  SKIPPED: ${skip}`);
      return { ...empty, skip };
    }
    const corpus = loadCorpus({ minCount: MIN_COUNT });
    const corpusFile = join(dir, "corpus.txt");
    writeFileSync(corpusFile, corpusText(corpus.lines));
    log(
      `  built word2vec.c (${gcc}; ${CFLAGS.join(" ")}); corpus ${corpus.lines.length} lines, vocabulary ${corpus.vocab.words.length} words, ` +
        `${corpus.vocab.trainWords} training words; ${rounds} round(s), the tools alternating`,
    );
    const results: ArchitectureResult[] = [];
    for (const architecture of ARCHITECTURES) {
      const args = [
        ...["-size", DIM, "-window", WINDOW, "-hs", 1, "-negative", 0, "-sample", 0, "-min-count", MIN_COUNT],
        ...["-cbow", architecture === "cbow" ? 1 : 0, "-threads", 1, "-iter", 1, "-binary", 0],
      ].map(String);
      const command = `./word2vec -train corpus.txt -output vectors.txt ${args.join(" ")}`;
      const wasmgrad: ToolRun[] = [];
      const word2vec: ToolRun[] = [];
      let majority = 0;
      let heldOut = 0;
      let compileMs = 0;
      for (let round = 1; round <= rounds; round++) {
        const output = join(dir, `${architecture}.txt`);
        const c = await run(binary, ["-train", corpusFile, "-output", output, ...args], {
          maxBuffer: 64 << 20,
        });
        const vectors = readTextVectors(readFileSync(output, "utf8"));
        const cScore = tagScore(
          reorderRows(vectors.words, vectors.vectors, vectors.dim, corpus.vocab.words),
          DIM,
          corpus.tags,
        );
        word2vec.push({ wordsPerSecond: parseWordsPerSecond(c.stdout), accuracy: cScore.accuracy });
        const w = await runWord2vec(corpus, {
          architecture,
          dim: DIM,
          window: WINDOW,
          epochs: 1,
          seed: round,
        });
        const wScore = tagScore(w.vectors, DIM, corpus.tags);
        wasmgrad.push({ wordsPerSecond: w.wordsPerSecond, accuracy: wScore.accuracy });
        ({ majority, heldOut } = wScore);
        compileMs = w.compileMs;
        log(
          `  ${architecture.padEnd(8)} [${round}/${rounds}]  word2vec.c ${(word2vec[round - 1]!.wordsPerSecond / 1000).toFixed(1)}k words/s, ` +
            `tags ${(cScore.accuracy * 100).toFixed(1)}%;  wasmgrad ${(w.wordsPerSecond / 1000).toFixed(1)}k words/s ` +
            `(${w.stats.steps} steps of ${w.stats.items / w.stats.steps < 1e9 ? Math.round(w.stats.items / w.stats.steps) : 0} items), ` +
            `tags ${(wScore.accuracy * 100).toFixed(1)}%`,
        );
      }
      results.push({
        architecture,
        wasmgrad,
        word2vec,
        majority,
        heldOut,
        wasmgradCompileMs: compileMs,
        command,
      });
    }
    return {
      date,
      vocab: corpus.vocab.words.length,
      trainWords: corpus.vocab.trainWords,
      rounds,
      gcc,
      results,
      load: { start: loadStart, end: loadAverage() },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const WORD2VEC_TITLE = "W5: word2vec on Brown against word2vec.c";
const TARGET =
  "wasmgrad's skip-gram (hierarchical softmax, one thread) at least as many words/s as word2vec.c, with a tag score within 1 point of word2vec.c's or better";

interface Summary {
  readonly label: string;
  readonly cells: string[];
  readonly met?: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const range = (xs: readonly number[], f: (x: number) => string) =>
  xs.length > 1 ? ` (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : "";

function summaries(r: Word2vecResults): Summary[] {
  return r.results.map((a) => {
    const wSpeed = median(a.wasmgrad.map((x) => x.wordsPerSecond));
    const cSpeed = median(a.word2vec.map((x) => x.wordsPerSecond));
    const wAcc = median(a.wasmgrad.map((x) => x.accuracy));
    const cAcc = median(a.word2vec.map((x) => x.accuracy));
    const k = (x: number) => `${(x / 1000).toFixed(0)}k`;
    const met = wSpeed >= cSpeed && wAcc >= cAcc - 0.01;
    return {
      label: a.architecture,
      met: a.architecture === "skipgram" ? met : undefined,
      cells: [
        a.architecture === "skipgram" ? "skip-gram, HS" : "CBOW, HS",
        `${k(cSpeed)}${range(
          a.word2vec.map((x) => x.wordsPerSecond),
          k,
        )}`,
        `${k(wSpeed)}${range(
          a.wasmgrad.map((x) => x.wordsPerSecond),
          k,
        )}`,
        (wSpeed / cSpeed).toFixed(2),
        `${pct(cAcc)}${range(
          a.word2vec.map((x) => x.accuracy),
          pct,
        )}`,
        `${pct(wAcc)}${range(
          a.wasmgrad.map((x) => x.accuracy),
          pct,
        )}`,
        `${((wAcc - cAcc) * 100).toFixed(1)}`,
        pct(a.majority),
      ],
    };
  });
}

const HEADER = [
  "model",
  "word2vec.c words/s",
  "wasmgrad words/s",
  "wasmgrad / word2vec.c",
  "word2vec.c tags",
  "wasmgrad tags",
  "Δ points",
  "majority baseline",
];

function targetLine(r: Word2vecResults): string {
  const sg = summaries(r).find((s) => s.label === "skipgram");
  if (!sg) return "not measured";
  return sg.met ? "met" : "missed";
}

export function word2vecConsoleTable(r: Word2vecResults): string {
  if (r.skip) return `W5 word2vec: skipped (${r.skip})`;
  const body = summaries(r).map((s) => s.cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ");
  return [
    line(HEADER),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
    "",
    `target: ${TARGET}: ${targetLine(r)}`,
  ].join("\n");
}

/** The Markdown section, from its `## ` heading. */
export function word2vecMarkdown(r: Word2vecResults, git: string): string {
  if (r.skip) return [`## ${WORD2VEC_TITLE}`, "", `Skipped on ${r.date}: ${r.skip}.`, ""].join("\n");
  const a = r.results[0]!;
  return [
    `## ${WORD2VEC_TITLE}`,
    "",
    `Measured ${r.date} on commit ${git}; load average ${r.load.start.toFixed(2)} at the start, ${r.load.end.toFixed(2)} at the end. ` +
      `Brown (${r.trainWords.toLocaleString("en-US")} training words with "</s>", vocabulary ${r.vocab.toLocaleString("en-US")}), one epoch, ` +
      `100 dimensions, window 5, min-count 5, no subsampling, one thread; word2vec.c built here (${r.gcc}, \`${CFLAGS.join(" ")}\`) ` +
      `and run as \`${a.command}\` (CBOW: \`-cbow 1\`). wasmgrad: examples/word2vec, 1024 items per step, in this process ` +
      `(compile ${a.wasmgradCompileMs.toFixed(0)} ms, not counted). Words/s: word2vec.c's own count over its training time (its last "Words/thread/sec"), ` +
      `wasmgrad's the same count over its training loop. Tags: the share of ${a.heldOut} held-out word types whose most frequent Brown tag the 5 nearest ` +
      `neighbours (cosine) of their vector vote for (examples/word2vec/evaluate.ts), the same for both. Median over ${r.rounds} round(s), range in parentheses.`,
    "",
    `Target: ${TARGET}: ${targetLine(r)}.`,
    "",
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map(() => "---").join(" | ")} |`,
    ...summaries(r).map((s) => `| ${s.cells.join(" | ")} |`),
    "",
  ].join("\n");
}

/** `report` with its W5 section replaced by `section`; without one, it goes before the engines section. */
export function spliceWord2vec(report: string, section: string): string {
  return spliceSection(report, section, WORD2VEC_TITLE, [
    "Across engines",
    "What each path costs",
    "Workloads",
  ]);
}
