// A small sentiment lexicon for call-center transcripts: enough to tell "thank you, that's
// great" from "this is ridiculous, I want to cancel", nothing more. A negator ("not", "never",
// "don't") within three words before a sentiment word flips it; an intensifier doubles it.

const POSITIVE = new Set([
  "thanks", "thank", "great", "good", "perfect", "excellent", "wonderful", "appreciate", "happy", "glad", "helpful",
  "awesome", "fantastic", "love", "nice", "pleased", "resolved", "fixed", "brilliant", "amazing", "kind", "easy",
]);
const NEGATIVE = new Set([
  "ridiculous", "terrible", "awful", "horrible", "angry", "furious", "upset", "unacceptable", "worst", "bad", "hate",
  "cancel", "complaint", "complain", "disappointed", "frustrated", "frustrating", "useless", "waste", "wrong",
  "broken", "problem", "annoyed", "annoying", "stupid", "sick", "tired", "lawyer", "refund", "rude", "incompetent",
]);
const NEGATORS = new Set(["not", "no", "don't", "dont", "didn't", "didnt", "isn't", "isnt", "wasn't", "wasnt", "can't", "cant", "won't", "wont", "nothing"]);
const INTENSIFIERS = new Set(["very", "really", "so", "extremely", "totally", "absolutely", "completely"]);

/** Sentiment of `text` from -1 (negative) to 1 (positive); 0 when it has no sentiment words. */
export function textSentiment(text: string): number {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  let score = 0;
  let count = 0;
  for (const [i, word] of words.entries()) {
    const polarity = POSITIVE.has(word) ? 1 : NEGATIVE.has(word) ? -1 : 0;
    if (polarity === 0) continue;
    const before = words.slice(Math.max(0, i - 3), i);
    const negated = before.some((w) => NEGATORS.has(w));
    const intensity = INTENSIFIERS.has(words[i - 1] ?? "") ? 2 : 1;
    score += (negated ? -polarity : polarity) * intensity;
    count += intensity;
  }
  return count === 0 ? 0 : Math.max(-1, Math.min(1, score / (count + 1)));
}
