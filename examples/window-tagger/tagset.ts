/**
 * The coarse tagset of the window tagger: Brown's 472 tag spellings (87 base tags, with
 * modifiers and contractions) collapsed to the 12 classes of the universal tagset (Petrov, Das
 * and McDonald 2012), by its conventions (proper nouns are NOUN, auxiliaries and modals VERB,
 * ordinals ADJ, existential "there" DET, "to" and particles PRT, foreign words X). Decided here:
 * `pn` ("anyone", "nothing") is PRON, the pre-qualifier `abl` ("quite", "such") DET like the
 * other pre-determiners, interjections X (the 12 classes have no INTJ). NLTK's copy of Petrov et
 * al.'s own Brown map (en-brown.map) differs on three spellings: it has the post-determiner `ap`
 * ("many", "other", "few", "last") as ADJ and the pre-determiners `abn` ("all", "half") and `abl`
 * as PRT; here they are DET with the other determiners, `at`, `dt…` and `abx` ("both"), which that
 * map also has as DET:
 *
 *   NOUN   nn nns np nps nr nrs (common, proper and adverbial nouns; possessives nn$ np$ …)
 *   VERB   vb vbd vbg vbn vbz, md, be bed bedz beg bem ben ber bez, do dod doz, hv hvd hvg hvn hvz
 *   ADJ    jj jjr jjs jjt, od (ordinals)
 *   ADV    rb rbr rbt rn, ql qlp wql (qualifiers), wrb, `*` (not, n't)
 *   PRON   pn, pp$ pp$$ ppl ppls ppo pps ppss, wp$ wpo wps
 *   DET    at, ap, abn abl abx, dt dti dts dtx, wdt, ex (existential there)
 *   ADP    in
 *   CONJ   cc cs
 *   NUM    cd
 *   PRT    to, rp
 *   PUNCT  . , : ; ( ) `` '' ' -- (the universal tagset's ".")
 *   X      fw-… (foreign words), uh (interjections), nil (untagged)
 *
 * How a spelling is reduced to its base tag, in this order:
 * - the title, headline and cited-word suffixes `-tl`, `-hl`, `-nc` are dropped, however many
 *   (`nn-tl-hl` → `nn`, `.-hl` → `.`, `---hl` → `--`);
 * - a foreign word (`fw-` prefix) is X whatever its tag (`fw-nn`, `fw-in+at-tl`): the universal
 *   tagset's convention;
 * - a contraction (`+`) takes its first part (`ppss+md` "I'll" → PRON, `vb+ppo` "let's" → VERB,
 *   `wdt+bez` "what's" → DET): the word's head comes first; the few truncated spellings
 *   (`ppss+ber-n`) only differ after the `+`;
 * - a negation `*` and a possessive `$` on the end are dropped (`md*` → `md`, `nn$` → `nn`,
 *   `pp$$` → `pp$`, a base tag of its own); the bare `*` is ADV.
 * A base tag outside the table is an error, so every tag of the corpus is accounted for.
 */

export const TAGS = [
  "NOUN",
  "VERB",
  "ADJ",
  "ADV",
  "PRON",
  "DET",
  "ADP",
  "CONJ",
  "NUM",
  "PRT",
  "PUNCT",
  "X",
] as const;
export type CoarseTag = (typeof TAGS)[number];

const BASE: Readonly<Record<string, CoarseTag>> = {
  ...classOf("NOUN", "nn nns np nps nr nrs"),
  ...classOf("VERB", "vb vbd vbg vbn vbz md be bed bedz beg bem ben ber bez do dod doz hv hvd hvg hvn hvz"),
  ...classOf("ADJ", "jj jjr jjs jjt od"),
  ...classOf("ADV", "rb rbr rbt rn ql qlp wql wrb *"),
  ...classOf("PRON", "pn pp$ ppl ppls ppo pps ppss wp$ wpo wps"),
  ...classOf("DET", "at ap abn abl abx dt dti dts dtx wdt ex"),
  ...classOf("ADP", "in"),
  ...classOf("CONJ", "cc cs"),
  ...classOf("NUM", "cd"),
  ...classOf("PRT", "to rp"),
  ...classOf("PUNCT", ". , : ; ( ) `` '' ' --"),
  ...classOf("X", "uh nil"),
};

function classOf(tag: CoarseTag, bases: string): Record<string, CoarseTag> {
  return Object.fromEntries(bases.split(" ").map((b) => [b, tag]));
}

const SUFFIX = /^(.+?)-(tl|hl|nc)$/;

/** The coarse class of a Brown tag as the corpus spells it (lower case: `nn-tl`, `ppss+md`, `fw-nn`). */
export function coarseTag(brownTag: string): CoarseTag {
  let t = brownTag;
  for (let m = SUFFIX.exec(t); m; m = SUFFIX.exec(t)) t = m[1]!;
  if (t.startsWith("fw-")) return "X";
  const plus = t.indexOf("+");
  if (plus > 0) t = t.slice(0, plus);
  let base = BASE[t];
  // a negation or possessive on the end: md*, nn$, pp$$ (pp$ is a base tag), np$ …
  for (let s = t; base === undefined && s.length > 1 && /[*$]$/.test(s);) {
    s = s.slice(0, -1);
    base = BASE[s];
  }
  if (base === undefined) throw new Error(`coarseTag: no coarse class for the Brown tag '${brownTag}'`);
  return base;
}

/** The id of a coarse class in TAGS. */
export function tagId(tag: CoarseTag): number {
  return TAGS.indexOf(tag);
}
