// What the voice bot understands: the intents of a support line, the phrases and keys that select
// them, and the grammars the recogniser listens with. Pure data and functions, no I/O.
import { digitsGrammar, type DigitsGrammarOptions, matchPhrase, phraseGrammar } from "../../plugins/asr/mod.ts";

/** One thing a caller can ask for. */
export interface Intent {
  /** Stable name, reported in events ("billing"). */
  name: string;
  /** How the menu names it ("a refund"): "press 2 for a refund". */
  title: string;
  /** Words that select it, lower case; a transcript that contains one as whole words means this intent. */
  phrases: string[];
  /** The keypad key that selects it. */
  dtmf: string;
  /** What the bot answers; `{account}` is replaced by the account number, spoken digit by digit. */
  answer: string;
  /** The answer needs the caller's account number, collected first. */
  needsAccount?: boolean;
  /** The caller wants a person: the bot hands the call over (a `route.request` event). */
  routes?: boolean;
}

/** The support line's intents: billing, refund, order status, and talk to a person. */
export const DEFAULT_INTENTS: Intent[] = [
  {
    name: "billing",
    title: "billing",
    phrases: ["billing", "bill", "my bill", "invoice", "payment", "pay"],
    dtmf: "1",
    answer: "The latest bill for account {account} is ready, and it is due at the end of the month.",
    needsAccount: true,
  },
  {
    name: "refund",
    title: "a refund",
    phrases: ["refund", "a refund", "money back", "my money back", "return"],
    dtmf: "2",
    answer: "I have opened a refund request for account {account}. You will get an email about it within two days.",
    needsAccount: true,
  },
  {
    name: "order_status",
    title: "order status",
    phrases: ["order status", "my order", "order", "delivery", "package", "track my order"],
    dtmf: "3",
    answer: "The last order on account {account} has shipped, and it should arrive within two days.",
    needsAccount: true,
  },
  {
    name: "agent",
    title: "a person",
    phrases: ["talk to a person", "speak to a person", "a person", "person", "agent", "an agent", "representative", "operator", "human", "someone"],
    dtmf: "0",
    answer: "Let me connect you to a person. Please hold.",
    routes: true,
  },
];

/** Polite words around a menu phrase that the grammar accepts ("i want to ... please"). */
const PREFIXES = ["i want", "i want to", "i want a", "i would like", "i would like to", "i would like a", "i need", "i need to", "i need a", "can i", "let me", "check"];
const SUFFIXES = ["please"];

/**
 * The intent a transcript asks for, by keyword: an intent that routes to a person wins over the
 * others ("a person about my bill" is a request for a person), then the first in table order.
 */
export function matchIntent(text: string, intents: readonly Intent[]): Intent | undefined {
  const ordered = [...intents.filter((intent) => intent.routes), ...intents.filter((intent) => !intent.routes)];
  return ordered.find((intent) => matchPhrase(text, intent.phrases) !== undefined);
}

/** The intent a keypad key selects. */
export function intentForKey(digit: string, intents: readonly Intent[]): Intent | undefined {
  return intents.find((intent) => intent.dtmf === digit);
}

/** A JSGF grammar of every intent's phrases, with polite prefixes and suffixes: the menu the recogniser listens for. */
export function intentGrammar(intents: readonly Intent[]): string {
  return phraseGrammar(intents.flatMap((intent) => intent.phrases), { prefixes: PREFIXES, suffixes: SUFFIXES });
}

/**
 * A JSGF grammar of account numbers ("four two oh seven") that also takes a request for a person,
 * so a caller asked for digits can still ask to talk to someone.
 */
export function accountGrammar(bounds: DigitsGrammarOptions, intents: readonly Intent[]): string {
  // The digit rules of digitsGrammar, made private so that the grammar has one public rule.
  const digitRules = digitsGrammar(bounds).split("\n").filter((line) => /^(public )?</.test(line)).map((line) => line.replace(/^public /, ""));
  const person = intents.filter((intent) => intent.routes).flatMap((intent) => intent.phrases);
  return [
    "#JSGF V1.0;",
    "grammar account;",
    `public <answer> = <digits> | [${PREFIXES.join(" | ")}] (${person.join(" | ")}) [${SUFFIXES.join(" | ")}];`,
    ...digitRules,
    "",
  ].join("\n");
}

/** An account number as speech: digit by digit ("4207" → "4 2 0 7"), so the engine does not read it as a quantity. */
export function spokenDigits(digits: string): string {
  return digits.split("").join(" ");
}

/** Checks an intent table: one intent routes to a person (the bot's way out), and keys are single, distinct keypad keys. Throws a RangeError that says what is wrong. */
export function checkIntents(intents: readonly Intent[]): void {
  if (intents.filter((intent) => intent.routes).length !== 1) throw new RangeError("exactly one intent must route to a person (routes: true)");
  const keys = new Set<string>();
  for (const intent of intents) {
    if (!/^[0-9A-D]$/.test(intent.dtmf)) throw new RangeError(`intent ${intent.name}: dtmf must be one key 0-9 or A-D (* and # are the bot's own), got "${intent.dtmf}"`);
    if (keys.has(intent.dtmf)) throw new RangeError(`intent ${intent.name}: key ${intent.dtmf} is taken by another intent`);
    keys.add(intent.dtmf);
  }
}
