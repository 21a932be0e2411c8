// Required disclosures ("this call is recorded") followed in what the agent says: each phrase is
// looked for as its stems in order, loosely, since the recogniser drops, adds and mishears words:
// a phrase counts as said when enough of its words (the meaningful ones weighing double) appear in
// order within a short stretch of the agent's recent words.
import { isStopWord, stem, words } from "./text.ts";

/** A disclosure the agent must make. */
export interface DisclosureRule {
  id: string;
  /** Any one of these said is enough. */
  phrases: string[];
  /** Deadline after the agent joins the call, s. */
  withinSeconds: number;
}

/** A disclosure said, `afterMs` after the agent joined, completed by the agent's words `heard`. */
export interface Disclosed {
  id: string;
  afterMs: number;
  late: boolean;
  heard: string;
}

/** A stem of a phrase and how much it counts. */
interface PhraseWord {
  stem: string;
  weight: number;
}

/** Words of the agent kept to match phrases that span two utterances. */
const HEARD_WORDS = 60;
/** A phrase may be spread over this many times its length in heard words (insertions). */
const SPREAD = 1.5;

function phraseWords(phrase: string): PhraseWord[] {
  return words(phrase).map((word) => ({ stem: stem(word), weight: isStopWord(word) ? 1 : 2 }));
}

/**
 * The best weighted share of `phrase` found in order in `heard` (stems), within any stretch of at
 * most `SPREAD` times the phrase's length: a longest common subsequence, weighted.
 */
function phraseMatch(phrase: readonly PhraseWord[], heard: readonly string[]): number {
  const total = phrase.reduce((sum, word) => sum + word.weight, 0);
  const span = Math.ceil(phrase.length * SPREAD) + 1;
  let best = 0;
  for (let start = 0; start < heard.length; start++) {
    const stretch = heard.slice(start, start + span);
    // table[i][j]: best weight of phrase[0..i) in stretch[0..j), in order.
    let previous = new Array<number>(stretch.length + 1).fill(0);
    for (const word of phrase) {
      const row = [0];
      for (let j = 1; j <= stretch.length; j++) row.push(Math.max(previous[j]!, row[j - 1]!, stretch[j - 1] === word.stem ? previous[j - 1]! + word.weight : 0));
      previous = row;
    }
    best = Math.max(best, previous[stretch.length]! / total);
  }
  return best;
}

/** One call's disclosures, from the agent joining: what was said, and what is overdue. */
export class DisclosureTracker {
  readonly #pending: { rule: DisclosureRule; phrases: PhraseWord[][]; reminded: boolean }[];
  readonly #heard: string[] = [];

  /**
   * `matchRatio`: the weighted share of a phrase's words that must be heard in order; `graceMs`:
   * time the recogniser gets past a deadline to report words said before it.
   */
  constructor(rules: readonly DisclosureRule[], readonly matchRatio: number, readonly graceMs: number) {
    this.#pending = rules.map((rule) => ({ rule, phrases: rule.phrases.map(phraseWords), reminded: false }));
  }

  /** The agent said `text`, `afterMs` after joining: the disclosures it completes (each once). */
  heard(text: string, afterMs: number): Disclosed[] {
    this.#heard.push(...words(text).map(stem));
    this.#heard.splice(0, this.#heard.length - HEARD_WORDS);
    const said: Disclosed[] = [];
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const { rule, phrases } = this.#pending[i]!;
      if (!phrases.some((phrase) => phraseMatch(phrase, this.#heard) >= this.matchRatio)) continue;
      this.#pending.splice(i, 1);
      said.unshift({ id: rule.id, afterMs, late: afterMs > this.#deadlineMs(rule), heard: text });
    }
    return said;
  }

  /** When a disclosure not yet heard is overdue, ms after the agent joined. */
  #deadlineMs(rule: DisclosureRule): number {
    return rule.withinSeconds * 1000 + this.graceMs;
  }

  /** The times, ms after the agent joined, at which to look for overdue disclosures. */
  deadlines(): number[] {
    return [...new Set(this.#pending.map((pending) => this.#deadlineMs(pending.rule)))];
  }

  /** Disclosures not heard by `afterMs` whose deadline (and grace) has passed, each returned once. */
  overdue(afterMs: number): DisclosureRule[] {
    const due = this.#pending.filter((pending) => !pending.reminded && afterMs >= this.#deadlineMs(pending.rule));
    for (const pending of due) pending.reminded = true;
    return due.map((pending) => pending.rule);
  }
}
