// JSGF grammars for the usual IVR prompts (digit strings, menus) and the helpers that read their
// results back. Pure functions: usable by any engine that takes JSGF.

/** Spoken digits and the digit each means ("oh" is zero in phone numbers and accounts). */
const DIGIT_WORDS: Readonly<Record<string, string>> = {
  zero: "0", oh: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9",
};

/** Options of `digitsGrammar`. */
export interface DigitsGrammarOptions {
  /** Fewest digits accepted. Default 1. */
  minDigits?: number;
  /** Most digits accepted. Default 16. */
  maxDigits?: number;
}

/**
 * A grammar of digit strings between `minDigits` and `maxDigits` long ("four two oh seven").
 * Bounds are spelled out with optional items, since JSGF has no counted repetition.
 */
export function digitsGrammar(options: DigitsGrammarOptions = {}): string {
  const min = options.minDigits ?? 1;
  const max = options.maxDigits ?? 16;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min || max > 64) {
    throw new RangeError(`digit string bounds must satisfy 1 <= minDigits <= maxDigits <= 64, got ${min}..${max}`);
  }
  let optional = "";
  for (let i = 0; i < max - min; i++) optional = ` [<digit>${optional}]`;
  return [
    "#JSGF V1.0;",
    "grammar digits;",
    `public <digits> = ${Array(min).fill("<digit>").join(" ")}${optional};`,
    `<digit> = ${Object.keys(DIGIT_WORDS).join(" | ")};`,
    "",
  ].join("\n");
}

/** The digits a transcript spells ("four two oh seven" → "4207"); words that are not digits are skipped. */
export function digitsFromText(text: string): string {
  return text.toLowerCase().split(/\s+/).map((word) => DIGIT_WORDS[word] ?? "").join("");
}

/** Options of `phraseGrammar`. */
export interface PhraseGrammarOptions {
  /** Words the caller may say before a phrase ("i want to", "i'd like"). */
  prefixes?: string[];
  /** Words the caller may say after it ("please"). */
  suffixes?: string[];
}

/**
 * A grammar that accepts exactly one of `phrases` (a menu: "billing", "refund", "order status"),
 * optionally wrapped in polite prefixes and suffixes. Map the result back with `matchPhrase`.
 */
export function phraseGrammar(phrases: string[], options: PhraseGrammarOptions = {}): string {
  const clean = (list: string[]) => list.map((p) => p.toLowerCase().replace(/[^a-z' ]/g, " ").trim().replace(/\s+/g, " ")).filter(Boolean);
  const choices = clean(phrases);
  if (choices.length === 0) throw new RangeError("a phrase grammar needs at least one phrase");
  const prefixes = clean(options.prefixes ?? []);
  const suffixes = clean(options.suffixes ?? []);
  const rule = [
    prefixes.length ? `[${prefixes.join(" | ")}]` : "",
    `(${choices.join(" | ")})`,
    suffixes.length ? `[${suffixes.join(" | ")}]` : "",
  ].filter(Boolean).join(" ");
  return ["#JSGF V1.0;", "grammar phrases;", `public <phrase> = ${rule};`, ""].join("\n");
}

/** The first of `phrases` the transcript contains as whole words, or undefined. */
export function matchPhrase(text: string, phrases: string[]): string | undefined {
  const padded = ` ${text.toLowerCase()} `;
  return phrases.find((phrase) => padded.includes(` ${phrase.toLowerCase().trim().replace(/\s+/g, " ")} `));
}

/**
 * The words a JSGF grammar can produce: everything but its header, rule names, operators, tags
 * and weights. An engine checks them against its dictionary to name the missing ones.
 */
export function grammarWords(jsgf: string): string[] {
  const body = jsgf
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/\/\/[^\n]*/g, " ")
    .split(";")
    .filter((statement) => !/^\s*(#JSGF|grammar\s|import\s)/.test(statement))
    .map((statement) => statement.slice(statement.indexOf("=") + 1))
    .join(" ");
  return body
    .replace(/<[^>]*>/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\/[^/]*\//g, " ")
    .replace(/[()[\]|*+=]/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}
