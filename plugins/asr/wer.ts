// Word error rate, the figure every ASR evaluation reports: (substitutions + deletions +
// insertions) / reference words, from a word-level edit distance.

/** Lower case, letters, digits and apostrophes only, single spaces: how transcripts are compared. */
export function normalizeTranscript(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").trim().replace(/\s+/g, " ");
}

/** Edit counts between a reference and a hypothesis. */
export interface WordErrors {
  /** Words in the reference. */
  words: number;
  /** Substitutions + deletions + insertions. */
  errors: number;
}

/** Counts the word edits turning `hypothesis` into `reference` (both normalised first). */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const ref = splitWords(reference);
  const hyp = splitWords(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    previous = current;
  }
  return { words: ref.length, errors: previous[hyp.length]! };
}

/** Corpus WER: total errors over total reference words (not the mean of per-utterance rates). */
export function wordErrorRate(pairs: readonly { reference: string; hypothesis: string }[]): number {
  let words = 0;
  let errors = 0;
  for (const pair of pairs) {
    const counts = wordErrors(pair.reference, pair.hypothesis);
    words += counts.words;
    errors += counts.errors;
  }
  return words === 0 ? 0 : errors / words;
}

function splitWords(text: string): string[] {
  const normalized = normalizeTranscript(text);
  return normalized ? normalized.split(" ") : [];
}
