// Tells a backchannel ("uh-huh", "mm-hmm", "right") from the start of a real interruption, by the
// words of the recogniser's partial transcript.

/** The words of a transcript, lower case, without punctuation or filler markers such as "[noise]" or "<sil>". */
export function transcriptWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\[[^\]]*\]|<[^>]*>|\([^)]*\)/g, " ")
    .split(/[^a-z0-9']+/)
    .filter((word) => word.length > 0);
}

/** The set of words that, on their own, make a backchannel (phrases are split into their words). */
export function backchannelWords(phrases: readonly string[]): ReadonlySet<string> {
  return new Set(phrases.flatMap(transcriptWords));
}

/** True when `text` has words and every one of them is a backchannel word. */
export function isBackchannel(text: string, words: ReadonlySet<string>): boolean {
  const spoken = transcriptWords(text);
  return spoken.length > 0 && spoken.every((word) => words.has(word));
}

/** True when `text` has a word that is not a backchannel word: the caller is saying something. */
export function hasContent(text: string, words: ReadonlySet<string>): boolean {
  return transcriptWords(text).some((word) => !words.has(word));
}
