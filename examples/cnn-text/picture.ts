/**
 * Confusion-matrix pictures for examples/cnn-text: for each classifier a grid of K × K cells,
 * rows = true class, columns = predicted class, each cell shaded by its share of its row (so that
 * a small class's row is as readable as a large one's) and labelled with its count. Dependency
 * free, like examples/lib/svg.ts.
 */

export interface ConfusionPanel {
  readonly title: string;
  /** counts[true][predicted]. */
  readonly counts: readonly (readonly number[])[];
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** White (share 0) to dark blue (share 1); the text turns white on dark cells. */
function shade(share: number): string {
  const mix = (from: number, to: number) => Math.round(from + (to - from) * share);
  const hex = (v: number) => v.toString(16).padStart(2, "0");
  return `#${hex(mix(255, 8))}${hex(mix(255, 48))}${hex(mix(255, 107))}`;
}

/** The confusion matrices side by side, with the class names on both axes of each. */
export function confusionSvg(
  panels: readonly ConfusionPanel[],
  classNames: readonly string[],
  title: string,
): string {
  const K = classNames.length;
  const cell = K > 4 ? 30 : 64;
  const labelWidth = 8 + 6.6 * Math.max(...classNames.map((n) => n.length));
  const size = cell * K;
  const gap = 40;
  const top = 56 + labelWidth; // column labels are drawn rotated above the grid
  const panelWidth = labelWidth + size;
  const w = 24 + panels.length * panelWidth + (panels.length - 1) * gap + 16;
  const h = top + size + 44;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w.toFixed(0)}" height="${h.toFixed(0)}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${(w / 2).toFixed(1)}" y="20" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  panels.forEach((panel, p) => {
    const left = 24 + p * (panelWidth + gap) + labelWidth;
    parts.push(
      `<text x="${(left + size / 2).toFixed(1)}" y="42" text-anchor="middle" font-size="13">${escape(panel.title)}</text>`,
    );
    for (let r = 0; r < K; r++) {
      const row = panel.counts[r]!;
      const total = row.reduce((s, v) => s + v, 0);
      for (let c = 0; c < K; c++) {
        const n = row[c]!;
        const share = total > 0 ? n / total : 0;
        const [x, y] = [left + c * cell, top + r * cell];
        parts.push(
          `<rect class="cell" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${cell}" height="${cell}" ` +
            `fill="${shade(share)}" stroke="${r === c ? "#2ca02c" : "#d0d0d0"}"/>` +
            `<text x="${(x + cell / 2).toFixed(1)}" y="${(y + cell / 2 + 4).toFixed(1)}" text-anchor="middle" ` +
            `font-size="${cell > 40 ? 14 : 10}" fill="${share > 0.5 ? "white" : "black"}">${n}</text>`,
        );
      }
    }
    classNames.forEach((name, k) => {
      const y = top + k * cell + cell / 2 + 4;
      const x = left + k * cell + cell / 2 + 4;
      parts.push(
        `<text x="${(left - 6).toFixed(1)}" y="${y.toFixed(1)}" text-anchor="end" font-size="11">${escape(name)}</text>`,
        `<text x="${x.toFixed(1)}" y="${(top - 6).toFixed(1)}" font-size="11" transform="rotate(-90 ${x.toFixed(1)} ${(top - 6).toFixed(1)})">${escape(name)}</text>`,
      );
    });
    parts.push(
      `<text x="${(left + size / 2).toFixed(1)}" y="${(top + size + 20).toFixed(1)}" text-anchor="middle" font-size="12">predicted class</text>`,
    );
  });
  parts.push(
    `<text x="${(w / 2).toFixed(1)}" y="${(h - 6).toFixed(1)}" text-anchor="middle" font-size="11">` +
      `rows: true class; cells shaded by their share of the row, labelled with counts</text>`,
    `</svg>`,
  );
  return parts.join("\n");
}
