// The pronunciation dictionary (CMU format: `word PH O N E S`, variants as `word(2)`), read once
// per recognition worker and looked up a word at a time. A pocketsphinx decoder loads the whole
// dictionary it is given (134,000 words: 22 of a grammar decoder's 27 MB); a grammar needs a few
// dozen, so grammar decoders start with none and are given the words of each grammar from here.

/** One pronunciation of a word, as pocketsphinx names it ("read", "read(2)"). */
export interface Pronunciation {
  name: string;
  /** Phones separated by single spaces. */
  phones: string;
}

/** A dictionary's text, searched on demand (a few ms a word) and remembered per word. */
export class PronunciationDictionary {
  /** The file, with a line break in front so that every entry follows one. */
  readonly #text: string;
  readonly #found = new Map<string, Pronunciation[]>();

  /** `text`: the dictionary file's contents. */
  constructor(text: string) {
    this.#text = `\n${text}`;
  }

  /** Every pronunciation of `word` (lower case), in the file's order; empty when the dictionary lacks the word. */
  lookup(word: string): Pronunciation[] {
    let found = this.#found.get(word);
    if (!found) {
      found = [...this.#entries(`\n${word} `), ...this.#entries(`\n${word}(`)];
      this.#found.set(word, found);
    }
    return found;
  }

  /** The entries whose line starts with `prefix` (which begins with the line break). */
  #entries(prefix: string): Pronunciation[] {
    const entries: Pronunciation[] = [];
    for (let at = this.#text.indexOf(prefix); at >= 0; at = this.#text.indexOf(prefix, at + 1)) {
      let end = this.#text.indexOf("\n", at + 1);
      if (end < 0) end = this.#text.length;
      const [name, ...phones] = this.#text.slice(at + 1, end).trim().split(/\s+/);
      if (name && phones.length > 0) entries.push({ name, phones: phones.join(" ") });
    }
    return entries;
  }
}
