// Tables for the console (npm run eval) and the model cards: Markdown pipe tables, which read
// well in both places.

/** A Markdown table with a header row; numbers are printed as given. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(cells[0]!), `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`, ...cells.slice(1).map(line)].join("\n");
}

/** A rate 0..1 as a percentage with one decimal. */
export function percent(rate: number): string {
  return Number.isFinite(rate) ? `${(100 * rate).toFixed(1)}%` : "n/a";
}
