// The voice bot on a session: feeds the dialog (dialog.ts) with the caller's transcripts, keys and
// silences, and carries out what it decides: speak (tts), switch what the recogniser listens for
// (asr), time the caller's silence, and emit its events.
import { Observable, Subscription, take } from "rxjs";
import { definePlugin, type EventInput, type Playback, type Plugin, type PluginServer, type Session } from "../../core/mod.ts";
import { type AsrSearch, listenFor, missingPocketsphinx } from "../../plugins/asr/mod.ts";
import { say } from "../../plugins/tts/mod.ts";
import { type DialogAction, type DialogConfig, type DialogInput, type DialogState, type ListenFor, nextStep, startDialog } from "./dialog.ts";
import "./events.ts";
import { accountGrammar, checkIntents, confirmGrammar, DEFAULT_INTENTS, type Intent, intentGrammar } from "./intents.ts";
import { type TurnVerdicts, turnVerdicts } from "./turns.ts";

/** Options of the `voicebot` plugin. */
export interface VoicebotOptions {
  /** Said when the call starts, before the menu. */
  greeting: string;
  /** What callers can ask for; exactly one must route to a person. Default: billing, refund, order status, a person. */
  intents: Intent[];
  /** Bounds of an account number, in digits. Default 4 to 12. */
  account: { minDigits: number; maxDigits: number };
  /** Silence after a prompt that counts as no answer, ms. Default 6000. */
  noInputMs: number;
  /** Longest wait for the recogniser's transcript (or error) after the caller stops speaking; then the turn counts as not understood, ms. Default 5000. */
  resultTimeoutMs: number;
  /** Misses in a row answered with a reprompt before the call goes to a person (the last offers one). Default 2. */
  retries: number;
  /** Understand speech. Default: when the asr plugin is registered and pocketsphinx is installed; otherwise keypad only. */
  speech?: boolean;
}

const INTENT_SCHEMA = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 1 },
    title: { type: "string", minLength: 1 },
    phrases: { type: "array", minItems: 1, items: { type: "string", pattern: "^[a-z' ]+$" } },
    dtmf: { type: "string" },
    answer: { type: "string", minLength: 1 },
    needsAccount: { type: "boolean" },
    routes: { type: "boolean" },
  },
  required: ["name", "title", "phrases", "dtmf", "answer"],
  additionalProperties: false,
};

const OPTIONS_SCHEMA = {
  type: "object",
  properties: {
    greeting: { type: "string", minLength: 1, default: "Thank you for calling Parley support." },
    intents: { type: "array", minItems: 1, items: INTENT_SCHEMA, default: DEFAULT_INTENTS },
    account: {
      type: "object",
      properties: { minDigits: { type: "integer", minimum: 1, maximum: 32, default: 4 }, maxDigits: { type: "integer", minimum: 1, maximum: 32, default: 12 } },
      additionalProperties: false,
      default: {},
    },
    noInputMs: { type: "number", minimum: 500, maximum: 60000, default: 6000 },
    // 5000: the endpointing silence (0.35-0.5 s) and a final transcript on a busy machine (p99 about 1 s) fit many times over.
    resultTimeoutMs: { type: "number", minimum: 500, maximum: 60000, default: 5000 },
    retries: { type: "integer", minimum: 0, maximum: 5, default: 2 },
    speech: { type: "boolean" },
  },
  additionalProperties: false,
};

/** Why the bot cannot understand speech on this server (the asr plugin or pocketsphinx is missing), or undefined when it can. */
function speechUnavailable(server: PluginServer): string | undefined {
  if (!server.plugins().has("asr")) return "the asr plugin is not registered before it";
  return missingPocketsphinx();
}

/**
 * The voice bot of a support line: greets the caller, understands billing, refund, order status
 * and "talk to a person" by grammar and keywords (or keypad), collects an account number by speech
 * (read back for a yes or '#', since spoken digits are often misheard) or DTMF ('#' ends it),
 * answers with TTS, and emits `route.request` when the caller wants a person. Needs the `tts`
 * plugin; speech needs the `vad` and `asr` plugins registered before it. With the `barge-in`
 * plugin, a turn it let pass (a cough, an "uh-huh" over a prompt) is not taken for an answer.
 * Without pocketsphinx it says so at start and serves callers by keypad alone.
 *
 * Emits `voicebot.intent`, `voicebot.account` and `route.request` (see events.ts).
 */
export function voicebot(): Plugin<VoicebotOptions> {
  return definePlugin<VoicebotOptions>({
    name: "voicebot",
    version: "1.0.0",
    dependencies: { tts: "^1.0.0" },
    options: OPTIONS_SCHEMA,
    setup(server, options) {
      checkIntents(options.intents);
      if (options.account.minDigits > options.account.maxDigits) throw new RangeError("voicebot: account.minDigits is above account.maxDigits");
      const unavailable = options.speech === undefined ? speechUnavailable(server) : undefined;
      if (unavailable) console.warn(`parley voicebot: speech recognition is unavailable (${unavailable}); callers use the keypad`);
      const speech = options.speech ?? !unavailable;
      const config: DialogConfig = { greeting: options.greeting, intents: options.intents, speech, account: options.account, retries: options.retries };
      const searches: Record<ListenFor, AsrSearch> = {
        intent: { type: "grammar", jsgf: intentGrammar(options.intents) },
        account: { type: "grammar", jsgf: accountGrammar(options.account, options.intents) },
        confirm: { type: "grammar", jsgf: confirmGrammar(options.account, options.intents) },
      };
      return (session) => converse(session, config, searches, options);
    },
  });
}

/**
 * Runs the dialog on one session from the caller's first audio (before it, an RTP peer's address
 * may not be known, and the greeting would go nowhere) until the call ends.
 */
function converse(session: Session, config: DialogConfig, searches: Record<ListenFor, AsrSearch>, timing: Pick<VoicebotOptions, "noInputMs" | "resultTimeoutMs">): Observable<EventInput> {
  return new Observable<EventInput>((subscriber) => {
    const subscriptions = new Subscription();
    let state: DialogState | undefined;
    let lastPrompt: Playback | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Runs while the caller has spoken and the recogniser has not answered yet. */
    let resultTimer: ReturnType<typeof setTimeout> | undefined;
    const verdicts: TurnVerdicts = turnVerdicts();
    /** Bumped whenever the caller does something, so a wait armed before it never fires. */
    let wait = 0;

    const stopWaiting = () => {
      wait++;
      clearTimeout(timer);
      timer = undefined;
    };

    const awaitInput = () => {
      stopWaiting();
      const armed = wait;
      const played = lastPrompt?.done ?? Promise.resolve();
      played.then(() => {
        if (armed !== wait || subscriber.closed) return;
        timer = setTimeout(() => feed({ type: "no_input" }), timing.noInputMs);
      });
    };

    const act = (action: DialogAction) => {
      switch (action.type) {
        case "say":
          lastPrompt = say(session, action.text, { label: action.label, interrupt: action.interrupt });
          break;
        case "listen":
          listenFor(session, searches[action.for]);
          break;
        case "await_input":
          awaitInput();
          break;
        case "intent":
          subscriber.next({ type: "voicebot.intent", intent: action.intent, via: action.via, text: action.text });
          break;
        case "account":
          subscriber.next({ type: "voicebot.account", account: action.account, via: action.via });
          break;
        case "route": {
          const { type: _, ...request } = action;
          subscriber.next({ type: "route.request", ...request });
          break;
        }
      }
    };

    /** Runs a dialog step; a failure ends the bot's work on this call as a contained plugin error, never an unhandled one. */
    const run = (step: () => { state: DialogState; actions: DialogAction[] }) => {
      if (subscriber.closed) return;
      try {
        const transition = step();
        state = transition.state;
        for (const action of transition.actions) act(action);
      } catch (error) {
        subscriber.error(error);
      }
    };

    const stopResultWait = () => {
      clearTimeout(resultTimer);
      resultTimer = undefined;
    };

    const feed = (input: DialogInput) => {
      if (!state) return;
      stopWaiting();
      stopResultWait();
      const current = state;
      run(() => nextStep(config, current, input));
    };
    // Reacting a microtask later keeps the server-wide event order causal: an event emitted while
    // the session still delivers the one it answers would otherwise be published before it.
    const feedLater = (input: DialogInput) => queueMicrotask(() => feed(input));

    // The first frame at 16 kHz, the rate every default plugin uses: asking for the codec's rate would
    // make an Opus call decode at 48 kHz and resample.
    subscriptions.add(session.audio(16000).pipe(take(1)).subscribe(() => run(() => startDialog(config))));
    subscriptions.add(session.events$.subscribe((event) => {
      if (event.type === "dtmf") return feedLater({ type: "dtmf", digit: event.digit });
      if (!config.speech) return;
      verdicts.observe(event);
      switch (event.type) {
        case "transcript": {
          const { startMs, text } = event;
          // A microtask later, so that a guard decision this transcript brings about is known.
          queueMicrotask(() => {
            if (!verdicts.letPass(startMs)) return feed({ type: "speech", text });
            // The barge-in guard found this turn a cough or an "uh-huh" and the prompt went on: not an answer.
            stopResultWait();
            if (state && !subscriber.closed) awaitInput();
          });
          break;
        }
        case "vad.speech_start":
          // The caller is talking: silence is not counted while the recogniser listens.
          if (state) stopWaiting();
          stopResultWait();
          break;
        case "vad.speech_end":
          // A recogniser that never answers must not leave the caller in silence for good.
          stopResultWait();
          if (state) resultTimer = setTimeout(() => feed({ type: "no_result" }), timing.resultTimeoutMs);
          break;
        case "asr.error":
          // A turn the recogniser failed on is a turn not understood.
          feedLater({ type: "speech", text: "" });
          break;
      }
    }));

    return () => {
      stopWaiting();
      stopResultWait();
      subscriptions.unsubscribe();
    };
  });
}
