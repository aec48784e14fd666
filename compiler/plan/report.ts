/**
 * Printing memory plans: the three numbers of each entry (arena, naive, lower bound), a text table
 * of the arena's buffers, and an SVG picture of buffer lifetimes against offsets (x: schedule
 * step, y: byte offset in the arena, one rectangle per buffer, labelled with its node).
 *
 * Node ids are the graph's internal ids (`%id`, Node.id), the ids `wasmgrad compile --emit ir`
 * and the kernel function names of the module (`<entry>_<id>_<op>`) use as well.
 */
import type { Node } from "../ir/node.js";
import { typeToString } from "../ir/shape.js";
import type { EntryPlan, PlannedBuffer } from "./plan.js";
import { textTable as table } from "../inspect/table.js";

/** A plan with the name to show it under. */
export interface NamedPlan {
  /** e.g. "forward", "backward", "train_step". */
  readonly name: string;
  readonly plan: EntryPlan<unknown>;
}

export interface PlanNumbers {
  readonly arenaBytes: number;
  readonly naiveBytes: number;
  readonly lowerBoundBytes: number;
}

export function planNumbers(plan: EntryPlan<unknown>): PlanNumbers {
  return { arenaBytes: plan.arenaBytes, naiveBytes: plan.naiveBytes, lowerBoundBytes: plan.lowerBoundBytes };
}

const label = (n: Node): string => `%${n.id} ${n.op}`;

/** "1.00×" for arena / lower bound (and "-" for an empty arena). */
function ratio(plan: EntryPlan<unknown>): string {
  return plan.lowerBoundBytes > 0 ? `${(plan.arenaBytes / plan.lowerBoundBytes).toFixed(2)}×` : "-";
}

/** One line: `train_step: arena 1024 bytes, naive 4096, lower bound 1024 (1.00× the bound)` */
export function summaryLine({ name, plan }: NamedPlan): string {
  return (
    `${name}: arena ${plan.arenaBytes} bytes, naive ${plan.naiveBytes}, lower bound ` +
    `${plan.lowerBoundBytes} (arena ${ratio(plan)} the lower bound), ${plan.steps} kernels`
  );
}

function bufferValues(b: PlannedBuffer): string {
  if (b.kind === "scratch") return `scratch of ${label(b.nodes[0]!)}`;
  const first = b.nodes[0]!;
  return `${typeToString(first)} ${b.nodes.map(label).join(" > ")}`;
}

/**
 * The plan of one entry as text: the numbers, what was done in place, what is copied at the end,
 * and one row per arena buffer (`a > b` lists values written over each other in place).
 */
export function describePlan({ name, plan }: NamedPlan): string {
  const names = (nodes: readonly Node[]) =>
    nodes.map((n) => (n.attrs.name as string | undefined) ?? label(n));
  const lines = [summaryLine({ name, plan }), `  schedule strategy: ${plan.strategy}`];
  lines.push(
    `  written over an operand (in place): ${plan.inPlace.length ? plan.inPlace.map((p) => `${label(p.node)} over %${p.over.id}`).join(", ") : "none"}`,
  );
  lines.push(
    `  updates in place: ${plan.updatesInPlace.length ? names(plan.updatesInPlace.map((u) => u.leaf)).join(", ") : "none"}`,
  );
  lines.push(
    `  copied at the end: ${plan.copies.length ? plan.copies.map((c) => label(c.node)).join(", ") : "nothing"}`,
  );
  const rows = plan.buffers.map((b) => [
    `b${b.id}`,
    String(b.offset),
    String(b.bytes),
    `${b.start}-${b.end === plan.steps ? "end" : b.end}`,
    bufferValues(b),
  ]);
  lines.push(
    "",
    ...table(["buffer", "offset", "bytes", "steps", "values"], rows, new Set([1, 2])).map((l) => `  ${l}`),
  );
  return lines.join("\n") + "\n";
}

// ---- SVG ---------------------------------------------------------------------------------------

const escape = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const fmt = (v: number) => String(Math.round(v * 10) / 10);

/** Fill colours by kind of kernel; scratch is grey. */
function colorOf(b: PlannedBuffer): string {
  if (b.kind === "scratch") return "#bbbbbb";
  const n = b.nodes[0]!;
  if (n.op === "matmul") return "#6baed6";
  if (n.def.traits.reduction) return "#fdae6b";
  // moving data: transposes, slices, pads, concats, broadcasts, and row lookups and sums
  if (n.def.traits.movement || n.op === "gather" || n.op === "scatter_add") return "#bcbddc";
  return "#a1d99b";
}

/** 12345 -> "12.1 KiB" (tick labels). */
function bytesLabel(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Number((n / 1024).toPrecision(3))} KiB`;
  return `${Number((n / 1048576).toPrecision(3))} MiB`;
}

/** Four or five round offsets from 0 to `top`: multiples of 1, 2 or 5 × 10^k, or of 2^k bytes. */
function offsetTicks(top: number): number[] {
  const raw = top / 4;
  const decimal = 10 ** Math.floor(Math.log10(raw));
  const step = Math.min(
    ([1, 2, 5, 10].find((m) => m * decimal >= raw) ?? 10) * decimal,
    2 ** Math.ceil(Math.log2(raw)),
  );
  const ticks: number[] = [];
  for (let t = 0; t <= top + 1e-9; t += step) ticks.push(t);
  return ticks;
}

function panel({ name, plan }: NamedPlan, y0: number, width: number): { svg: string[]; height: number } {
  const [left, right, top, plotH, bottom] = [84, 16, 40, 300, 36];
  const plotW = width - left - right;
  const cols = plan.steps + 1;
  const cw = plotW / cols;
  const scaleTop = Math.max(plan.arenaBytes, plan.lowerBoundBytes, 16);
  const yOf = (bytes: number) => y0 + top + plotH - (bytes / scaleTop) * plotH;
  const out: string[] = [];
  out.push(
    `<text x="${left}" y="${y0 + 18}" font-size="14" font-weight="bold">${escape(name)}</text>`,
    `<text x="${left}" y="${y0 + 33}" font-size="11">${escape(
      `arena ${plan.arenaBytes} B, lower bound ${plan.lowerBoundBytes} B (${ratio(plan)}), naive ${plan.naiveBytes} B; ` +
        `${plan.steps} kernels, ${plan.buffers.length} buffers, ${plan.inPlace.length} in place, ` +
        `${plan.updatesInPlace.length} updates in place`,
    )}</text>`,
    `<rect x="${left}" y="${y0 + top}" width="${fmt(plotW)}" height="${plotH}" fill="#fafafa" stroke="#999"/>`,
  );
  // offset ticks
  for (const bytes of offsetTicks(scaleTop)) {
    const y = yOf(bytes);
    out.push(
      `<line x1="${left - 4}" x2="${left}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="#999"/>`,
      `<text x="${left - 6}" y="${fmt(y + 4)}" font-size="10" text-anchor="end">${escape(bytesLabel(bytes))}</text>`,
    );
  }
  // step ticks: about ten
  const every = Math.max(1, Math.ceil(cols / 10));
  for (let s = 0; s <= plan.steps; s += every) {
    const x = left + (s + 0.5) * cw;
    out.push(
      `<text x="${fmt(x)}" y="${y0 + top + plotH + 14}" font-size="10" text-anchor="middle">${s === plan.steps ? "end" : s}</text>`,
    );
  }
  out.push(
    `<text x="${left + plotW / 2}" y="${y0 + top + plotH + 30}" font-size="11" text-anchor="middle">schedule step</text>`,
    `<text x="14" y="${y0 + top + plotH / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${y0 + top + plotH / 2})">arena offset</text>`,
  );
  for (const b of plan.buffers) {
    const x = left + b.start * cw;
    const w = (b.end - b.start + 1) * cw;
    const yTop = yOf(b.offset + b.bytes);
    const h = Math.max(0.5, yOf(b.offset) - yTop);
    const tip = `b${b.id}: ${bufferValues(b)}\noffset ${b.offset}, ${b.bytes} bytes, steps ${b.start}-${b.end}`;
    out.push(
      `<g><title>${escape(tip)}</title>` +
        `<rect x="${fmt(x)}" y="${fmt(yTop)}" width="${fmt(w)}" height="${fmt(h)}" fill="${colorOf(b)}" ` +
        `stroke="#333" stroke-width="0.5"${b.nodes.length > 1 ? ' stroke-dasharray="3 2"' : ""}/>`,
    );
    const text = b.kind === "scratch" ? `scratch %${b.nodes[0]!.id}` : label(b.nodes[0]!);
    if (h >= 11 && w >= text.length * 5.5 + 4) {
      out.push(
        `<text x="${fmt(x + 2)}" y="${fmt(yTop + Math.min(h / 2 + 4, 12))}" font-size="9">${escape(text)}</text>`,
      );
    }
    out.push("</g>");
  }
  // live bytes per step (its maximum is the lower bound)
  const pts: string[] = [];
  plan.liveBytes.forEach((v, s) => {
    pts.push(`${fmt(left + s * cw)},${fmt(yOf(v))}`, `${fmt(left + (s + 1) * cw)},${fmt(yOf(v))}`);
  });
  if (pts.length) {
    out.push(
      `<polyline points="${pts.join(" ")}" fill="none" stroke="#d62728" stroke-width="1.2"><title>bytes live at each step</title></polyline>`,
    );
  }
  const yArena = yOf(plan.arenaBytes);
  out.push(
    `<line x1="${left}" x2="${fmt(left + plotW)}" y1="${fmt(yArena)}" y2="${fmt(yArena)}" stroke="#333" stroke-dasharray="6 3"><title>arena ${plan.arenaBytes} bytes</title></line>`,
  );
  return { svg: out, height: top + plotH + bottom };
}

/**
 * One SVG document with a panel per entry: buffers as rectangles (x: the steps they are live, y:
 * their bytes in the arena; dashed outline: values written over each other in place; grey:
 * kernel scratch), the bytes live at each step in red (its peak is the lower bound) and the
 * arena's size as a dashed line. Hovering a rectangle shows its values.
 */
export function planToSvg(plans: readonly NamedPlan[], title = "memory plan"): string {
  const width = 960;
  const body: string[] = [];
  let y = 28;
  for (const p of plans) {
    const { svg, height } = panel(p, y, width);
    body.push(...svg);
    y += height + 12;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">`,
    `<rect width="${width}" height="${y}" fill="white"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...body,
    `</svg>`,
    ``,
  ].join("\n");
}
