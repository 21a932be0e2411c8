// What an agent sees of a call before taking it: who calls, why, how they feel, what risk they
// carry, what was said, and for how long they have been with the bot and in the queue. Gathered
// from the caller's session events, which other plugins emit (plugins cooperate through events,
// never imports: the fields read here are the events' documented payloads). The summary is
// extractive, built from those facts and the caller's own words: no language model runs offline.

/** One turn of the conversation so far. */
export interface Turn {
  who: "caller" | "bot" | "agent";
  text: string;
  /** ms since the epoch. */
  at: number;
}

/** The context handed to an agent with an offer, and kept up to date during the call. */
export interface CallContext {
  callId: string;
  metadata: Record<string, string>;
  account?: string;
  intent?: string;
  /** Why the call came to a person: caller_request, no_input, no_match, escalation... */
  reason?: string;
  turns: Turn[];
  emotion?: { label: string; arousal: number; valence: number; trend: "rising" | "falling" | "steady" };
  escalated: boolean;
  syntheticVoice?: { verdict: string; score: number; reliable: boolean };
  identity?: { claimedSpeaker: string; verdict: string; score: number };
  botMs: number;
  queueMs: number;
  summary: string;
}

/** A session event as this module reads it: type, time and the payload fields it knows by name. */
export interface ObservedEvent {
  type: string;
  ts: number;
  source?: string;
  [field: string]: unknown;
}

/** Most turns kept (the latest); an agent reads the rest in the recording. */
const MAX_TURNS = 50;
/** How far apart two rolling arousal readings must be to call the mood rising or falling. */
const TREND_STEP = 0.15;

/** Gathers a call's context from its events. */
export class ContextCollector {
  readonly #turns: Turn[] = [];
  readonly #arousal: number[] = [];
  #account?: string;
  /** Intents the bot recognised, in order. */
  readonly #intents: string[] = [];
  /** The intent that asks for a person (route.request's): what the call is about is the last other one. */
  #routeIntent?: string;
  #reason?: string;
  #emotion?: { label: string; arousal: number; valence: number };
  #escalated = false;
  #syntheticVoice?: CallContext["syntheticVoice"];
  #identity?: CallContext["identity"];
  #queuedAt?: number;

  constructor(readonly callId: string, readonly metadata: Readonly<Record<string, string>>, readonly startedAt: number) {
    this.#account = metadata.accountNumber ?? metadata.account;
  }

  /** The call entered a queue now (its wait counts from here). */
  queued(at: number): void {
    this.#queuedAt ??= at;
  }

  /** Takes in one of the caller's session events (others are ignored). */
  observe(event: ObservedEvent): void {
    switch (event.type) {
      case "transcript":
        if (typeof event.text === "string" && event.text.trim()) this.#turn("caller", event.text, event.ts);
        break;
      case "tts.started":
        if (typeof event.text === "string") this.#turn("bot", event.text, event.ts);
        break;
      case "voicebot.intent":
        if (typeof event.intent === "string") this.#intents.push(event.intent);
        break;
      case "voicebot.account":
        if (typeof event.account === "string") this.#account = event.account;
        break;
      case "route.request":
        if (typeof event.intent === "string") this.#routeIntent = event.intent;
        if (typeof event.reason === "string") this.#reason = event.reason;
        if (typeof event.account === "string") this.#account = event.account;
        break;
      case "emotion":
        if (event.scope === "rolling" && event.status === "ok") {
          this.#emotion = { label: String(event.label), arousal: Number(event.arousal), valence: Number(event.valence) };
          this.#arousal.push(Number(event.arousal));
        }
        break;
      case "emotion.escalation":
        this.#escalated = true;
        break;
      case "deepfake":
        // The call-level (rolling) verdict: a single utterance is never more than "uncertain".
        if (event.status === "ok" && event.scope !== "utterance") this.#syntheticVoice = { verdict: String(event.verdict), score: Number(event.score), reliable: event.reliable === true };
        break;
      case "biometrics":
        if (event.status === "ok" || event.status === "not_enrolled") {
          this.#identity = { claimedSpeaker: String(event.claimedSpeaker), verdict: String(event.verdict), score: Number(event.score) };
        }
        break;
    }
  }

  /** The context now. */
  snapshot(now: number): CallContext {
    const queueMs = this.#queuedAt === undefined ? 0 : now - this.#queuedAt;
    const botMs = (this.#queuedAt ?? now) - this.startedAt;
    const context: CallContext = {
      callId: this.callId,
      metadata: { ...this.metadata },
      account: this.#account,
      intent: this.#intents.findLast((intent) => intent !== this.#routeIntent),
      reason: this.#reason,
      turns: [...this.#turns],
      emotion: this.#emotion && { ...this.#emotion, trend: this.#trend() },
      escalated: this.#escalated,
      syntheticVoice: this.#syntheticVoice,
      identity: this.#identity,
      botMs,
      queueMs,
      summary: "",
    };
    context.summary = summarize(context);
    return context;
  }

  /** Adds a turn heard elsewhere (the agent's own leg, recognised there). */
  addTurn(who: Turn["who"], text: string, at: number): void {
    if (text.trim()) this.#turn(who, text, at);
  }

  #turn(who: Turn["who"], text: string, at: number): void {
    this.#turns.push({ who, text: text.trim(), at });
    if (this.#turns.length > MAX_TURNS) this.#turns.shift();
  }

  #trend(): "rising" | "falling" | "steady" {
    const readings = this.#arousal;
    if (readings.length < 2) return "steady";
    const change = readings[readings.length - 1] - readings[Math.max(0, readings.length - 4)];
    return change > TREND_STEP ? "rising" : change < -TREND_STEP ? "falling" : "steady";
  }
}

/** Words that carry no content, for picking the caller's most telling sentence. */
const FILLER = new Set("a an the i i'm im me my to of and or but is it it's its this that for on in at with be was am are do does did can could would please yes no yeah ok okay uh um hello hi".split(" "));

/** The caller's most telling turn: the one with the most content words (the latest on a tie). */
function keySentence(turns: readonly Turn[]): string | undefined {
  let best: { text: string; score: number } | undefined;
  for (const turn of turns) {
    if (turn.who !== "caller") continue;
    const score = turn.text.toLowerCase().split(/[^a-z0-9']+/).filter((word) => word && !FILLER.has(word)).length;
    if (score > 0 && (!best || score >= best.score)) best = { text: turn.text, score };
  }
  return best?.text;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A few plain sentences an agent reads in two seconds, built only from what the call's events established. */
export function summarize(context: CallContext): string {
  const who = context.account ? `Caller with account ${context.account}` : "Caller";
  const identity = context.identity
    ? context.identity.verdict === "match" ? ", voice verified" : context.identity.verdict === "no_match" ? ", voice does NOT match the claimed identity" : ""
    : "";
  const reason = context.reason === "caller_request" ? "asked for a person" : context.reason?.replaceAll("_", " ");
  const why = context.intent ? ` wants ${context.intent.replaceAll("_", " ")}${reason ? ` (${reason})` : ""}` : reason ? ` ${reason}` : " reason not stated";
  const parts = [`${who}${identity}${why}.`];
  const said = keySentence(context.turns);
  if (said) parts.push(`Said: "${said}".`);
  if (context.emotion) parts.push(`Mood: ${context.emotion.label}${context.emotion.trend === "steady" ? "" : `, ${context.emotion.trend}`}${context.escalated ? " (escalated)" : ""}.`);
  else if (context.escalated) parts.push("Mood escalated.");
  if (context.syntheticVoice?.verdict === "synthetic") parts.push(`Warning: the voice may be synthetic (${Math.round(context.syntheticVoice.score * 100)}%).`);
  else if (context.syntheticVoice?.verdict === "uncertain") parts.push(`The voice could not be confirmed natural (${Math.round(context.syntheticVoice.score * 100)}% synthetic).`);
  parts.push(`${duration(context.botMs)} with the bot, ${duration(context.queueMs)} waiting.`);
  return parts.join(" ");
}
