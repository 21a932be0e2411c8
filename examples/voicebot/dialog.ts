// The voice bot's conversation as a pure state machine: an input (what the caller said, a key,
// silence) and the current state give the next state and the actions to take (speak, listen,
// report, hand over). No audio, timers or sessions here: plugin.ts does the I/O.
import { digitsFromText } from "../../plugins/asr/mod.ts";
import { type Intent, intentForKey, isNo, isYes, matchIntent, spokenDigits } from "./intents.ts";

/** How a dialog behaves. */
export interface DialogConfig {
  /** Said first, before the menu. */
  greeting: string;
  /** What callers can ask for (see `checkIntents`). */
  intents: Intent[];
  /** The caller can speak (a recogniser runs); false: keypad only. */
  speech: boolean;
  /** Bounds of an account number, in digits. */
  account: { minDigits: number; maxDigits: number };
  /** Misses in a row (silence or not understood) answered with a reprompt; the last of them offers a person, one more hands the call over. */
  retries: number;
  /** A caller who is done ('#' or a no at the menu) is asked to rate the call, 1 to 5 on the keypad, and the bot hangs up. */
  survey?: boolean;
}

/** Where the conversation is: the menu, collecting the account number, confirming a spoken one, the closing survey, or done (handed over, or the bot said goodbye). */
export type DialogStep = "menu" | "account" | "confirm" | "survey" | "handed_over" | "ended";

/** Everything the dialog remembers of one call. */
export interface DialogState {
  step: DialogStep;
  /** The intent waiting for the account number (step "account"). */
  pending?: string;
  /** The caller's account number, once given. */
  account?: string;
  /** Keys pressed so far for the account number. */
  keyed: string;
  /** Digits said so far for the account number (a caller who pauses mid-number says it in several turns). */
  spoken: string;
  /** Prompts in a row the caller let pass in silence. */
  noInput: number;
  /** Answers in a row the bot did not understand. */
  noMatch: number;
  /** What the caller said, utterance by utterance. */
  heard: string[];
}

/** Something the caller did. */
export type DialogInput =
  /** A final transcript ("" when the recogniser found nothing it knows). */
  | { type: "speech"; text: string }
  /** A key press. */
  | { type: "dtmf"; digit: string }
  /** The caller spoke, but the recogniser gave neither a transcript nor an error in time: handled as not understood. */
  | { type: "no_result" }
  /** The prompt played out and the caller said and pressed nothing for a while. */
  | { type: "no_input" };

/** How a caller was heard or keyed in. */
export type InputVia = "speech" | "dtmf";

/** Why the call goes to a person. */
export type RouteReason = "caller_request" | "no_input" | "no_match";

/** What the dialog asks the plugin to do, in order. */
export type DialogAction =
  /** Speak; `interrupt` cuts off what is still playing (the caller has answered already). */
  | { type: "say"; text: string; label: string; interrupt: boolean }
  /** Make the recogniser listen for intents, an account number, or the answer to "is that right" from the next utterance on. */
  | { type: "listen"; for: ListenFor }
  /** Start the no-input timer once the prompts queued so far have played. */
  | { type: "await_input" }
  /** An intent was recognised. */
  | { type: "intent"; intent: string; via: InputVia; text: string }
  /** An account number was given. */
  | { type: "account"; account: string; via: InputVia }
  /** Hand the call to a person. */
  | { type: "route"; intent: string; reason: RouteReason; account?: string; transcript: string[] }
  /** The caller rated the call in the closing survey, 1 to 5. */
  | { type: "survey"; score: number; via: InputVia }
  /** End the call once the prompts queued so far have played. */
  | { type: "hangup" };

/** What the recogniser listens for at a step (the survey's score is a digit, as in an account number). */
export type ListenFor = "intent" | "account" | "confirm";

/** A state and the actions that lead to it. */
export interface Transition {
  state: DialogState;
  actions: DialogAction[];
}

/** Begins a call: greeting, menu, listen for an intent. */
export function startDialog(config: DialogConfig): Transition {
  const state: DialogState = { step: "menu", keyed: "", spoken: "", noInput: 0, noMatch: 0, heard: [] };
  const notice = config.speech ? "" : " Speech recognition is not available on this line, so please use your keypad.";
  return {
    state,
    actions: [
      { type: "say", text: config.greeting + notice, label: "voicebot:greeting", interrupt: false },
      ...prompt(config, state, false),
      ...listen(config, "intent"),
      { type: "await_input" },
    ],
  };
}

/** The next state and actions after an input. */
export function nextStep(config: DialogConfig, state: DialogState, input: DialogInput): Transition {
  if (state.step === "handed_over" || state.step === "ended") return { state, actions: [] };
  const step: StepInput = input.type === "no_result" ? { type: "speech", text: "" } : input;
  if (step.type === "speech" && step.text) state = { ...state, heard: [...state.heard, step.text] };
  if (state.step === "menu") return inMenu(config, state, step);
  if (state.step === "survey") return inSurvey(state, step);
  return state.step === "account" ? inAccount(config, state, step) : inConfirm(config, state, step);
}

/** The inputs a step handles: no result is handled as speech not understood. */
type StepInput = Exclude<DialogInput, { type: "no_result" }>;

function inMenu(config: DialogConfig, state: DialogState, input: StepInput): Transition {
  if (input.type === "no_input") return miss(config, state, "noInput");
  if (input.type === "dtmf" && input.digit === "*") return { state, actions: [...prompt(config, state, true), { type: "await_input" }] };
  const intent = input.type === "speech" ? matchIntent(input.text, config.intents) : intentForKey(input.digit, config.intents);
  // A request wins over a no ("no, I want my order status"): only a caller asking for nothing is done.
  if (!intent && config.survey && (input.type === "dtmf" ? input.digit === "#" : isNo(input.text))) return survey(config, state);
  if (!intent) return miss(config, state, "noMatch");
  return choose(config, state, intent, input.type, input.type === "speech" ? input.text : input.digit);
}

function inAccount(config: DialogConfig, state: DialogState, input: StepInput): Transition {
  const { minDigits, maxDigits } = config.account;
  if (input.type === "no_input") {
    // Silence after some keys ends the entry, as '#' would; after some spoken digits, it asks to confirm them.
    if (state.keyed.length >= minDigits) return accountGiven(config, state, state.keyed, "dtmf");
    return state.spoken.length >= minDigits ? confirm(config, state, state.spoken) : miss(config, state, "noInput");
  }
  if (input.type === "speech") {
    const intent = matchIntent(input.text, config.intents);
    if (intent?.routes) return choose(config, state, intent, "speech", input.text);
    const digits = digitsFromText(input.text);
    const spoken = state.spoken + digits;
    if (!digits || spoken.length > maxDigits) return miss(config, state, "noMatch");
    // Fewer digits than an account has: the caller paused mid-number; wait for the rest.
    return spoken.length >= minDigits ? confirm(config, state, spoken) : { state: { ...state, spoken }, actions: [{ type: "await_input" }] };
  }
  if (input.digit === "#") {
    return state.keyed.length >= minDigits ? accountGiven(config, state, state.keyed, "dtmf") : miss(config, { ...state, keyed: "" }, "noMatch");
  }
  if (input.digit === "*") return { state: { ...state, keyed: "" }, actions: [...prompt(config, state, true), { type: "await_input" }] };
  if (!/^[0-9]$/.test(input.digit)) return { state, actions: [{ type: "await_input" }] };
  const keyed = state.keyed + input.digit;
  if (keyed.length >= maxDigits) return accountGiven(config, state, keyed, "dtmf");
  // The no-input timer doubles as the pause that ends an entry without '#'.
  return { state: { ...state, keyed }, actions: [{ type: "await_input" }] };
}

/**
 * The caller was asked "I heard 4 2 0 7, is that right?": '#' or a yes takes the number, a key
 * starts keying it in, new digits are read back in turn, a no asks for the keypad.
 */
function inConfirm(config: DialogConfig, state: DialogState, input: StepInput): Transition {
  if (input.type === "no_input") return miss(config, state, "noInput");
  if (input.type === "dtmf") {
    if (input.digit === "#") return accountGiven(config, state, state.spoken, "speech");
    if (input.digit === "*") return { state, actions: [...prompt(config, state, true), { type: "await_input" }] };
    if (!/^[0-9]$/.test(input.digit)) return { state, actions: [{ type: "await_input" }] };
    return { state: { ...state, step: "account", spoken: "", keyed: input.digit }, actions: [...listen(config, "account"), { type: "await_input" }] };
  }
  const intent = matchIntent(input.text, config.intents);
  if (intent?.routes) return choose(config, state, intent, "speech", input.text);
  if (isYes(input.text)) return accountGiven(config, state, state.spoken, "speech");
  if (isNo(input.text)) {
    // The number was misheard: the keypad is the sure way.
    const next: DialogState = { ...state, step: "account", spoken: "", keyed: "" };
    return { state: next, actions: [{ type: "say", text: "Please key in your account number, then press pound.", label: "voicebot:account", interrupt: true }, ...listen(config, "account"), { type: "await_input" }] };
  }
  const digits = digitsFromText(input.text);
  if (digits.length >= config.account.minDigits && digits.length <= config.account.maxDigits) return confirm(config, state, digits);
  return miss(config, state, "noMatch");
}

/** The caller is done: the closing survey's question. */
function survey(config: DialogConfig, state: DialogState): Transition {
  const text = "Before you go: how satisfied are you with this call? Press 1 for very unhappy, up to 5 for very happy.";
  return { state: { ...state, step: "survey" }, actions: [{ type: "say", text, label: "voicebot:survey", interrupt: true }, ...listen(config, "account"), { type: "await_input" }] };
}

/** The survey's answer: a score of 1 to 5 (a key, or a digit said) is reported; anything else, or silence, ends the call without one. */
function inSurvey(state: DialogState, input: StepInput): Transition {
  const answer = input.type === "dtmf" ? input.digit : input.type === "speech" ? digitsFromText(input.text) : "";
  const ended: DialogState = { ...state, step: "ended" };
  if (!/^[1-5]$/.test(answer)) return { state: ended, actions: [{ type: "say", text: "Thank you for calling. Goodbye.", label: "voicebot:goodbye", interrupt: true }, { type: "hangup" }] };
  const via: InputVia = input.type === "dtmf" ? "dtmf" : "speech";
  return { state: ended, actions: [{ type: "survey", score: Number(answer), via }, { type: "say", text: "Thank you for your answer. Goodbye.", label: "voicebot:goodbye", interrupt: true }, { type: "hangup" }] };
}

/** Reads a spoken account number back and asks the caller to confirm it. */
function confirm(config: DialogConfig, state: DialogState, spoken: string): Transition {
  const next: DialogState = { ...state, step: "confirm", spoken, keyed: "" };
  return { state: next, actions: [...prompt(config, next, true), ...listen(config, "confirm"), { type: "await_input" }] };
}

/** The caller chose an intent: hand over, ask for the account number, or answer. */
function choose(config: DialogConfig, state: DialogState, intent: Intent, via: InputVia, text: string): Transition {
  state = { ...state, noInput: 0, noMatch: 0 };
  const recognised: DialogAction = { type: "intent", intent: intent.name, via, text };
  if (intent.routes) return handOver(state, intent, "caller_request", [recognised]);
  if (intent.needsAccount && state.account === undefined) {
    const next: DialogState = { ...state, step: "account", pending: intent.name, keyed: "", spoken: "" };
    return {
      state: next,
      actions: [
        recognised,
        { type: "say", text: `${capitalize(intent.title)}. ${accountPrompt(config)}`, label: "voicebot:account", interrupt: true },
        ...listen(config, "account"),
        { type: "await_input" },
      ],
    };
  }
  return answer(config, state, intent, [recognised]);
}

function accountGiven(config: DialogConfig, state: DialogState, account: string, via: InputVia): Transition {
  const intent = config.intents.find((candidate) => candidate.name === state.pending)!;
  return answer(config, { ...state, account, noInput: 0, noMatch: 0 }, intent, [{ type: "account", account, via }]);
}

/** Answers an intent and goes back to the menu. */
function answer(config: DialogConfig, state: DialogState, intent: Intent, before: DialogAction[]): Transition {
  const next: DialogState = { ...state, step: "menu", pending: undefined, keyed: "", spoken: "" };
  const text = intent.answer.replaceAll("{account}", spokenDigits(state.account ?? ""));
  return {
    state: next,
    actions: [
      ...before,
      { type: "say", text, label: `voicebot:answer:${intent.name}`, interrupt: true },
      { type: "say", text: `Is there anything else? ${menuPrompt(config)}${config.survey ? " If that is all, press pound." : ""}`, label: "voicebot:menu", interrupt: false },
      ...listen(config, "intent"),
      { type: "await_input" },
    ],
  };
}

/** Silence or not understood: reprompt, offer a person on the last retry, hand over after it. */
function miss(config: DialogConfig, state: DialogState, kind: "noInput" | "noMatch"): Transition {
  const count = state[kind] + 1;
  const person = config.intents.find((intent) => intent.routes)!;
  // Digits collected so far are dropped, except the number being confirmed, which the reprompt reads back.
  const missed: DialogState = { ...state, [kind]: count, keyed: "", spoken: state.step === "confirm" ? state.spoken : "" };
  if (count > config.retries) return handOver(missed, person, kind === "noInput" ? "no_input" : "no_match", []);
  const apology = kind === "noInput" ? "Sorry, I did not hear anything." : "Sorry, I did not get that.";
  const offer = count === config.retries ? ` To talk to ${person.title}, ${config.speech ? `say ${person.title} or ` : ""}press ${person.dtmf}.` : "";
  return {
    state: missed,
    actions: [
      { type: "say", text: apology + offer, label: `voicebot:${kind === "noInput" ? "no_input" : "no_match"}`, interrupt: true },
      ...prompt(config, missed, false),
      { type: "await_input" },
    ],
  };
}

function handOver(state: DialogState, person: Intent, reason: RouteReason, before: DialogAction[]): Transition {
  const route: DialogAction = { type: "route", intent: person.name, reason, transcript: state.heard, ...(state.account === undefined ? {} : { account: state.account }) };
  return {
    state: { ...state, step: "handed_over" },
    actions: [...before, { type: "say", text: person.answer, label: "voicebot:handover", interrupt: true }, route],
  };
}

/** The question of the current step: the menu, the account number, or whether the number heard is right. */
function prompt(config: DialogConfig, state: DialogState, interrupt: boolean): DialogAction[] {
  if (state.step === "confirm") {
    const text = `I heard ${spokenDigits(state.spoken)}. If that is right, say yes or press pound; if not, key in your account number.`;
    return [{ type: "say", text, label: "voicebot:confirm", interrupt }];
  }
  return state.step === "account"
    ? [{ type: "say", text: accountPrompt(config), label: "voicebot:account", interrupt }]
    : [{ type: "say", text: menuPrompt(config), label: "voicebot:menu", interrupt }];
}

/** The menu: spoken choices with speech, "press 1 for billing, ..." without. */
export function menuPrompt(config: DialogConfig): string {
  const keys = config.intents.map((intent) => `${intent.dtmf} for ${intent.title}`);
  const choices = config.intents.map((intent) => intent.title);
  return config.speech
    ? `How can I help: ${list(choices)}? You can also press ${list(config.intents.map((intent) => intent.dtmf))}.`
    : `Press ${list(keys)}.`;
}

function accountPrompt(config: DialogConfig): string {
  return `Please ${config.speech ? "say or key in" : "key in"} your account number, then press pound.`;
}

function listen(config: DialogConfig, what: ListenFor): DialogAction[] {
  return config.speech ? [{ type: "listen", for: what }] : [];
}

/** "a, b, or c". */
function list(items: string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")}, or ${items.at(-1)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
