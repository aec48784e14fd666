/**
 * Helpers shared by the sections of bench/RESULTS.md that a partial run rewrites alone (the
 * compile section, the engines section): splicing one section into the report, and the aligned
 * console tables they print.
 */

/**
 * `report` with its section titled `title` replaced by `section`, or `section` inserted before the
 * first of the `before` headings that the report has (else appended).
 */
export function spliceSection(
  report: string,
  section: string,
  title: string,
  before: readonly string[],
): string {
  const body = section.trimEnd() + "\n\n";
  if (!report.trim()) return body;
  const start = report.indexOf(`## ${title}`);
  if (start >= 0) {
    const next = report.indexOf("\n## ", start + 3);
    return report.slice(0, start) + body + (next >= 0 ? report.slice(next + 1) : "");
  }
  for (const heading of before) {
    const at = report.indexOf(`\n## ${heading}`);
    if (at >= 0) return report.slice(0, at + 1) + body + report.slice(at + 1);
  }
  return report.trimEnd() + "\n\n" + body;
}

/**
 * A plain-text table with padded columns under a dashed rule; with `groupBy`, a blank line
 * wherever that column's value changes from one row to the next.
 */
export function alignedTable(header: readonly string[], body: readonly string[][], groupBy?: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  body.forEach((c, i) => {
    if (groupBy !== undefined && i > 0 && c[groupBy] !== body[i - 1]![groupBy]) out.push("");
    out.push(line(c));
  });
  return out.join("\n");
}
