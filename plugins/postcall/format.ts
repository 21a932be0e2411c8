// How times and shares read in a record's sentences (summary, scorecard details).

/** ms as seconds with one decimal: "12.3 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A share 0-1 as a whole percentage: "34%". */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
