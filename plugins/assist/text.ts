// Words as retrieval and phrase matching see them: lower case, split on anything but letters,
// digits and apostrophes, reduced to their Porter stems (`stemmer`), so "charged", "charges" and
// the recogniser's "charge" are one term.
import { stemmer } from "stemmer";

/**
 * Words too common to tell one article or phrase from another. Short on purpose: "card", "pin" or
 * "account" carry the meaning in a bank's questions, and BM25's inverse document frequency already
 * weighs down what every article says.
 */
const STOP_WORDS = new Set(
  ("a about am an and are as at be been but by can could did do does for from had has have how i i'd i'm i've if in into is it it's its " +
    "just me my myself of on or our please so that the their them then there this those to too uh um us was we were what when where " +
    "which who why will with would yes you your").split(" "),
);

/** The words of `text`, lower case, in order. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

/** The stem of one lower-case word (a possessive's "'s" dropped first). */
export function stem(word: string): string {
  return stemmer(word.replace(/'s$/, ""));
}

/** True for a word that carries no meaning of its own here. */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** The stems of the meaningful words of `text`, in order: what retrieval indexes and queries with. */
export function terms(text: string): string[] {
  return words(text).filter((word) => !isStopWord(word)).map(stem);
}
