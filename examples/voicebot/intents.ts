// What the voice bot understands: the intents of a support line, the phrases and keys that select
// them, and the grammars the recogniser listens with. Pure data and functions, no I/O.
import { digitsFromText, digitsGrammar, type DigitsGrammarOptions, matchPhrase, phraseGrammar } from "../../plugins/asr/mod.ts";
import { type Static, Type } from "../../core/mod.ts";
import { backchannelWords, DEFAULT_BACKCHANNELS, transcriptWords } from "../../plugins/barge-in/mod.ts";

/** One thing a caller can ask for: the schema. */
export const IntentSchema = Type.Object({
  /** Stable name, reported in events ("billing"). */
  name: Type.String({ minLength: 1 }),
  /** How the menu names it ("a refund"): "press 2 for a refund". */
  title: Type.String({ minLength: 1 }),
  /** Words that select it, lower case; a transcript that contains one as whole words means this intent. */
  phrases: Type.Array(Type.String({ pattern: "^[a-z' ]+$" }), { minItems: 1 }),
  /** The keypad key that selects it. */
  dtmf: Type.String(),
  /** What the bot answers; `{account}` is replaced by the account number, spoken digit by digit. */
  answer: Type.String({ minLength: 1 }),
  /** The answer needs the caller's account number, collected first. */
  needsAccount: Type.Optional(Type.Boolean()),
  /** The caller wants a person: the bot hands the call over (a `route.request` event). */
  routes: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

/** Something a caller can ask for (its schema above validates the plugin's options). */
export type Intent = Static<typeof IntentSchema>;

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

/** Words that confirm ("yes", "that's right"); a backchannel such as "yeah" or "okay" confirms too. */
const YES_WORDS = ["yes", "correct", "sure", "yeah", "yep", "yup", "right", "okay", "ok", "alright"];
/** Words that deny. */
const NO_WORDS = ["no", "nope", "wrong", "not"];

/** True when a transcript says yes and nothing says no. */
export function isYes(text: string): boolean {
  const words = transcriptWords(text);
  return words.some((word) => YES_WORDS.includes(word)) && !isNo(text);
}

/** True when a transcript says no. */
export function isNo(text: string): boolean {
  return transcriptWords(text).some((word) => NO_WORDS.includes(word));
}

/**
 * The backchannel words a grammar offers besides its answers. A grammar with no room for an
 * "uh-huh" forces it into an answer: measured with pocketsphinx and the intent grammar alone,
 * "okay" was heard as "order", "package" or "pay", "yeah" as "human", "right" as "refund" or
 * "operator", and the caller was routed where they never asked to go.
 * `withoutDigits`: leave out "oh", which a digits grammar reads as zero.
 */
function backchannelRule(withoutDigits = false): string {
  const words = [...backchannelWords(DEFAULT_BACKCHANNELS)].filter((word) => !withoutDigits || !digitsFromText(word));
  return `<backchannel> = ${words.join(" | ")};`;
}

/**
 * One to three backchannel words. Not `<backchannel>+`: pocketsphinx compiles a `+` into a loop
 * back to the rule's start, so the other alternatives could follow it ("right mm aha eight eight
 * five" came out of the account grammar for "five five six five").
 */
const BACKCHANNELS = "<backchannel> [<backchannel>] [<backchannel>]";

/** Turns the one public rule of a generated grammar into a private rule of that name (to be used by a new public rule). */
function privateRules(jsgf: string): string[] {
  return jsgf.split("\n").filter((line) => /^(public )?</.test(line)).map((line) => line.replace(/^public /, ""));
}

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

/**
 * A JSGF grammar of every intent's phrases, with polite prefixes and suffixes, or backchannels
 * alone ("uh-huh", "okay"): the menu the recogniser listens for while the bot is talking.
 */
export function intentGrammar(intents: readonly Intent[]): string {
  const phrases = phraseGrammar(intents.flatMap((intent) => intent.phrases), { prefixes: PREFIXES, suffixes: SUFFIXES });
  return ["#JSGF V1.0;", "grammar menu;", `public <answer> = [<backchannel>] <phrase> | ${BACKCHANNELS};`, ...privateRules(phrases), backchannelRule(), ""].join("\n");
}

/**
 * The phrases of a request for a person that the account grammars take: those of three words or
 * more. Short ones ("agent", "operator") were heard in the digits and pauses of spoken account
 * numbers: 2 of 8 strings of the digits set sent a caller who had not asked to a person.
 */
function personPhrases(intents: readonly Intent[]): string {
  const person = intents.filter((intent) => intent.routes).flatMap((intent) => intent.phrases).filter((phrase) => phrase.split(" ").length >= 3);
  return `[${PREFIXES.join(" | ")}] (${person.join(" | ")}) [${SUFFIXES.join(" | ")}]`;
}

/**
 * A JSGF grammar of account numbers ("four two oh seven") up to `maxDigits` long, from a single
 * digit on (a caller who pauses mid-number says it in several turns; the dialog joins them), that
 * also takes a request for a person. No backchannels here: through the bot they took the place of
 * badly heard digit strings ("aha mhm" for "six four four eight"), and the number is read back anyway.
 */
export function accountGrammar(bounds: DigitsGrammarOptions, intents: readonly Intent[]): string {
  return [
    "#JSGF V1.0;",
    "grammar account;",
    `public <answer> = <digits> | ${personPhrases(intents)};`,
    ...privateRules(digitsGrammar({ minDigits: 1, maxDigits: bounds.maxDigits })),
    "",
  ].join("\n");
}

/**
 * A JSGF grammar of the answer to "I heard 4 2 0 7, is that right?": yes or no, the number again,
 * or a request for a person.
 */
export function confirmGrammar(bounds: DigitsGrammarOptions, intents: readonly Intent[]): string {
  return [
    "#JSGF V1.0;",
    "grammar confirm;",
    `public <answer> = [<backchannel>] (<yes> | <no>) | <digits> | ${personPhrases(intents)} | ${BACKCHANNELS};`,
    `<yes> = yes | correct | that's right | that is right | sure;`,
    `<no> = no | nope | wrong | that's wrong | not right;`,
    ...privateRules(digitsGrammar({ minDigits: bounds.minDigits, maxDigits: bounds.maxDigits })),
    backchannelRule(true),
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
