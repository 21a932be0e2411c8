// The voice bot on a session: feeds the dialog (dialog.ts) with the caller's transcripts, keys and
// silences, and carries out what it decides: speak (tts), switch what the recogniser listens for
// (asr), time the caller's silence, and emit its events.
import { Observable, Subscription, take } from "rxjs";
import { definePlugin, type EventInput, type Playback, type Plugin, type PluginContext, type Session, type Static, Type } from "../../core/mod.ts";
import { type AsrSearch, listenFor, missingPocketsphinx } from "../../plugins/asr/mod.ts";
import { say } from "../../plugins/tts/mod.ts";
import { type DialogAction, type DialogConfig, type DialogInput, type DialogState, type ListenFor, nextStep, startDialog } from "./dialog.ts";
import "./events.ts";
// The survey's answer is the kpi plugin's event: declared once, there.
import "../../plugins/kpi/mod.ts";
import { accountGrammar, checkIntents, confirmGrammar, DEFAULT_INTENTS, intentGrammar, IntentSchema } from "./intents.ts";
import { type TurnVerdicts, turnVerdicts } from "./turns.ts";

/** Options of the `voicebot` plugin. */
export const VoicebotOptions = Type.Object({
  /** Said when the call starts, before the menu. */
  greeting: Type.String({ minLength: 1, default: "Thank you for calling Parley support." }),
  /** What callers can ask for; exactly one must route to a person. Default: billing, refund, order status, a person. */
  intents: Type.Array(IntentSchema, { minItems: 1, default: DEFAULT_INTENTS }),
  /** Bounds of an account number, in digits. Default 4 to 12. */
  account: Type.Object({
    minDigits: Type.Integer({ minimum: 1, maximum: 32, default: 4 }),
    maxDigits: Type.Integer({ minimum: 1, maximum: 32, default: 12 }),
  }, { additionalProperties: false, default: {} }),
  /** Silence after a prompt that counts as no answer, ms. Default 6000. */
  noInputMs: Type.Number({ minimum: 500, maximum: 60000, default: 6000 }),
  // 5000: the endpointing silence (0.35-0.5 s) and a final transcript on a busy machine (p99 about 1 s) fit many times over.
  /** Longest wait for the recogniser's transcript (or error) after the caller stops speaking; then the turn counts as not understood, ms. Default 5000. */
  resultTimeoutMs: Type.Number({ minimum: 500, maximum: 60000, default: 5000 }),
  /** Misses in a row answered with a reprompt before the call goes to a person (the last offers one). Default 2. */
  retries: Type.Integer({ minimum: 0, maximum: 5, default: 2 }),
  /** Understand speech. Default: when the asr plugin is registered and pocketsphinx is installed; otherwise keypad only. */
  speech: Type.Optional(Type.Boolean()),
  /** Sessions whose metadata has one of these keys are not callers for the bot (an agent's or a supervisor's audio leg). Default ["agentLeg", "supervisorLeg"]. */
  notForTheBot: Type.Array(Type.String(), { default: ["agentLeg", "supervisorLeg"] }),
  /** A caller who is done ('#', or a no, at the menu) is asked to rate the call, 1 to 5 on the keypad (`survey.answered`), and the bot hangs up. Default false. */
  survey: Type.Boolean({ default: false }),
}, { additionalProperties: false });

/** Options of the `voicebot` plugin. */
export type VoicebotOptions = Static<typeof VoicebotOptions>;

/** Why the bot cannot understand speech on this server (the asr plugin or pocketsphinx is missing), or undefined when it can. */
function speechUnavailable(context: PluginContext): string | undefined {
  if (!context.plugins().has("asr")) return "the asr plugin is not registered before it";
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
 * With `survey`, a caller who is done rates the call on the keypad and the bot says goodbye and
 * hangs up.
 *
 * Emits `voicebot.intent`, `voicebot.account`, `voicebot.collect.started` and `.ended` (around the
 * account number's collection, for the recording plugin's PCI masking), `route.request` (see
 * events.ts) and, with `survey`, `survey.answered` (the kpi plugin's event).
 */
export function voicebot(): Plugin<VoicebotOptions> {
  return definePlugin({
    name: "voicebot",
    version: "1.0.0",
    dependencies: { tts: "^1.0.0" },
    options: VoicebotOptions,
    setup(context, options) {
      checkIntents(options.intents);
      if (options.account.minDigits > options.account.maxDigits) throw new RangeError("voicebot: account.minDigits is above account.maxDigits");
      const unavailable = options.speech === undefined ? speechUnavailable(context) : undefined;
      if (unavailable) context.log.warn(`speech recognition is unavailable (${unavailable}); callers use the keypad`);
      const speech = options.speech ?? !unavailable;
      const config: DialogConfig = { greeting: options.greeting, intents: options.intents, speech, account: options.account, retries: options.retries, survey: options.survey };
      const searches: Record<ListenFor, AsrSearch> = {
        intent: { type: "grammar", jsgf: intentGrammar(options.intents) },
        account: { type: "grammar", jsgf: accountGrammar(options.account, options.intents) },
        confirm: { type: "grammar", jsgf: confirmGrammar(options.account, options.intents) },
      };
      return (session) => (options.notForTheBot.some((key) => key in session.info.metadata) ? undefined : converse(session, config, searches, options));
    },
  });
}

/** The dialog is collecting the account number (asking for it, or confirming a spoken one). */
function collecting(state: DialogState | undefined): boolean {
  return state?.step === "account" || state?.step === "confirm";
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

    /** Carries out one action; returns the playback of a prompt it speaks. */
    const act = (action: DialogAction): Playback | undefined => {
      switch (action.type) {
        case "say":
          lastPrompt = say(session, action.text, { label: action.label, interrupt: action.interrupt });
          return lastPrompt;
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
          // The person who takes the call hears free speech: the transcript they read must not
          // stay in the bot's last grammar (an account number's digits).
          listenFor(session, { type: "dictation" });
          subscriber.next({ type: "route.request", ...request });
          break;
        }
        case "survey":
          subscriber.next({ type: "survey.answered", score: action.score, via: action.via });
          break;
        case "hangup":
          // After the goodbye has played: the caller hears it whole.
          void (lastPrompt?.done ?? Promise.resolve()).then(() => session.hangup("bot_goodbye"));
          break;
      }
      return undefined;
    };

    /**
     * Runs a dialog step; a failure ends the bot's work on this call as a contained plugin error,
     * never an unhandled one. Entering the account number's steps emits `voicebot.collect.started`;
     * leaving them emits `voicebot.collect.ended` once the step's first prompt has played, since
     * that answer reads the number back (a recording masks what lies between).
     */
    const run = (step: () => { state: DialogState; actions: DialogAction[] }) => {
      if (subscriber.closed) return;
      try {
        const wasCollecting = collecting(state);
        const transition = step();
        state = transition.state;
        if (!wasCollecting && collecting(state)) subscriber.next({ type: "voicebot.collect.started", kind: "account" });
        let firstPrompt: Playback | undefined;
        for (const action of transition.actions) {
          const playback = act(action);
          firstPrompt ??= playback;
        }
        if (wasCollecting && !collecting(state)) {
          void (firstPrompt?.done ?? Promise.resolve()).then(() => {
            if (!subscriber.closed) subscriber.next({ type: "voicebot.collect.ended", kind: "account" });
          });
        }
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
