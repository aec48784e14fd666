// The window tagger's data (examples/window-tagger): the coarse tag of hand-picked Brown tags,
// every tag spelling of the corpus mapped, the most-frequent-tag baseline and the windows on tiny
// hand-checked inputs, the split by file.
import { describe, expect, it } from "vitest";
import { parseBrownText, readBrown, wordStream, type BrownFile } from "../../examples/lib/brown.js";
import {
  caseClass,
  fileCases,
  mostFrequentTag,
  splitFiles,
  suffixIds,
  taggedWords,
  windows,
  wordIds,
} from "../../examples/window-tagger/data.js";
import { coarseTag, tagId, TAGS } from "../../examples/window-tagger/tagset.js";

describe("coarseTag", () => {
  it("maps base tags to their universal class", () => {
    const cases: Record<string, string> = {
      nn: "NOUN",
      nns: "NOUN",
      np: "NOUN",
      nr: "NOUN",
      vb: "VERB",
      vbd: "VERB",
      md: "VERB",
      bez: "VERB",
      hvd: "VERB",
      dod: "VERB",
      jj: "ADJ",
      jjt: "ADJ",
      od: "ADJ",
      rb: "ADV",
      ql: "ADV",
      wrb: "ADV",
      "*": "ADV",
      pps: "PRON",
      ppss: "PRON",
      pp$: "PRON",
      pp$$: "PRON",
      wps: "PRON",
      pn: "PRON",
      at: "DET",
      ap: "DET",
      abn: "DET",
      dt: "DET",
      wdt: "DET",
      ex: "DET",
      in: "ADP",
      cc: "CONJ",
      cs: "CONJ",
      cd: "NUM",
      to: "PRT",
      rp: "PRT",
      ".": "PUNCT",
      ",": "PUNCT",
      "``": "PUNCT",
      "''": "PUNCT",
      "--": "PUNCT",
      "(": "PUNCT",
      uh: "X",
      nil: "X",
    };
    for (const [tag, want] of Object.entries(cases)) expect(coarseTag(tag), tag).toBe(want);
  });

  it("strips -tl, -hl, -nc, the negation, the possessive; fw- is X; a contraction takes its first part", () => {
    const cases: Record<string, string> = {
      "nn-tl": "NOUN",
      "nn-tl-hl": "NOUN",
      "jj-nc": "ADJ",
      ".-hl": "PUNCT",
      "---hl": "PUNCT",
      "*-hl": "ADV",
      "md*": "VERB",
      "do*": "VERB",
      "bedz*": "VERB",
      nn$: "NOUN",
      "np$-tl": "NOUN",
      nns$: "NOUN",
      wp$: "PRON",
      "fw-nn": "X",
      "fw-in+at-tl": "X",
      "fw-*": "X",
      "ppss+md": "PRON",
      "pps+bez": "PRON",
      "vb+ppo": "VERB",
      "wdt+bez": "DET",
      "ex+bez": "DET",
      "ppss+ber-n": "PRON",
      "md*-hl": "VERB",
    };
    for (const [tag, want] of Object.entries(cases)) expect(coarseTag(tag), tag).toBe(want);
  });

  it("rejects a tag outside the table", () => {
    expect(() => coarseTag("zz")).toThrow(/zz/);
    expect(() => coarseTag("nn-xx")).toThrow();
  });

  it("maps every tag spelling of Brown (472 of them) and uses all 12 classes", () => {
    const seen = new Set(wordStream(readBrown()).tags);
    expect(seen.size).toBe(472);
    const classes = new Set([...seen].map(coarseTag));
    expect([...classes].sort()).toEqual([...TAGS].sort());
  });
});

describe("the most-frequent-tag baseline", () => {
  it("picks each word's most frequent training tag, ties by TAGS order, unseen words the overall one", () => {
    const id = (t: (typeof TAGS)[number]) => tagId(t);
    const words = ["the", "run", "run", "run", "dog", "dog", "walk", "walk", "the", "a"];
    const tags = ["DET", "VERB", "NOUN", "VERB", "NOUN", "NOUN", "VERB", "NOUN", "DET", "DET"] as const;
    const b = mostFrequentTag(words, tags.map(id));
    expect(b.predict("run")).toBe(id("VERB")); // 2 VERB, 1 NOUN
    expect(b.predict("dog")).toBe(id("NOUN"));
    expect(b.predict("walk")).toBe(id("NOUN")); // 1 each: NOUN comes first in TAGS
    expect(b.predict("the")).toBe(id("DET"));
    // overall: DET 3, NOUN 4, VERB 3
    expect(b.fallback).toBe(id("NOUN"));
    expect(b.predict("zebra")).toBe(id("NOUN"));
  });

  it("falls back to the overall most frequent tag, whatever it is", () => {
    const b = mostFrequentTag(["x", "y", "z"], [tagId("VERB"), tagId("VERB"), tagId("ADJ")]);
    expect(b.predict("unseen")).toBe(tagId("VERB"));
  });
});

describe("windows", () => {
  it("pads each sentence with two <s> and two </s> and maps rare words to <unk>", () => {
    const text = "\n\tThe/at dog/nn runs/vbz ./.\n\n\tThe/at cat/nn-tl ./.\n";
    const file: BrownFile = { id: "xx01", category: "test", sentences: parseBrownText(text) };
    const tagged = taggedWords([file]);
    expect(Array.from(tagged.tags, (t) => TAGS[t])).toEqual([
      "DET",
      "NOUN",
      "VERB",
      "PUNCT",
      "DET",
      "NOUN",
      "PUNCT",
    ]);
    const vocab = wordIds(tagged.words);
    // seen twice: "the" and "."; <unk> 0, <s> 1, </s> 2
    expect([...vocab.keys()]).toEqual(["<unk>", "<s>", "</s>", ".", "the"]);
    const w = windows(tagged, vocab, suffixIds(tagged.words));
    // [<s> <s> the dog runs . </s> </s>] [<s> <s> the cat . </s> </s>]
    expect(Array.from(w.ids)).toEqual([1, 1, 4, 0, 0, 3, 2, 2, 1, 1, 4, 0, 3, 2, 2]);
    expect(Array.from(w.centres)).toEqual([2, 3, 4, 5, 10, 11, 12]);
    expect(Array.from(w.unknown)).toEqual([0, 1, 1, 0, 0, 1, 0]);
    // the window of "cat": <s> the cat . </s>
    const c = w.centres[5]!;
    expect(Array.from(w.ids.slice(c - 2, c + 3))).toEqual([1, 4, 0, 3, 2]);
  });

  it("reads the case class of every token again from the corpus files", () => {
    expect(["the", "Fulton", "FBI", "McDonald", "A", "1/2", "U.S.", "'Tis"].map(caseClass)).toEqual([
      1, 2, 3, 4, 2, 1, 3, 2,
    ]);
    const files = readBrown({ limit: 3 });
    const cases = fileCases(files);
    const words = taggedWords(files, cases).words;
    expect(cases.length).toBe(words.length);
    // the first sentence of ca01: "The Fulton County Grand Jury said Friday an investigation ..."
    expect(words.slice(0, 3)).toEqual(["the", "fulton", "county"]);
    expect(Array.from(cases.slice(0, 8))).toEqual([2, 2, 2, 2, 2, 1, 2, 1]);
  });

  it("holds out every 10th file", () => {
    const files = Array.from({ length: 25 }, (_, i): BrownFile => ({
      id: `f${i}`,
      category: "c",
      sentences: [],
    }));
    const { train, test } = splitFiles(files);
    expect(test.map((f) => f.id)).toEqual(["f9", "f19"]);
    expect(train.length).toBe(23);
  });
});
