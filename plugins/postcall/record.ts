// The post-call record: the JSON document delivered by webhook when a call ends, declared once as
// TypeBox schemas (the TypeScript types are their `Static`, and `PostCallRecordSchema` is the JSON
// Schema a receiver can validate with). Built from the call's session events alone (build.ts);
// times are ms since the epoch (`start`, `end`) or ms since the call started (`startMs`, `atMs`...).
import { type Static, StringEnum, Type } from "../../core/mod.ts";

const SPEAKERS = ["caller", "bot", "agent"] as const;

/** Who spoke: the caller, Parley's voice bot (anything the tts plugin said), or a human agent on a bridged leg. */
export type Speaker = (typeof SPEAKERS)[number];

const BySpeaker = Type.Object({ caller: Type.Number(), bot: Type.Number(), agent: Type.Number() });

const TranscriptTurn = Type.Object({
  speaker: StringEnum(SPEAKERS),
  /** The session (leg) it was heard or said on. */
  legId: Type.String(),
  /** The agent, for agent turns (from `queue.answered`). */
  agentId: Type.Optional(Type.String()),
  startMs: Type.Number(),
  endMs: Type.Number(),
  text: Type.String(),
  /** The recogniser's confidence, for recognised turns (caller, agent). */
  confidence: Type.Optional(Type.Number()),
  /** A bot turn the caller cut off (barge-in): `text` is what they heard of it. */
  interrupted: Type.Optional(Type.Boolean()),
});

/** One turn of the transcript. */
export type TranscriptTurn = Static<typeof TranscriptTurn>;

const DISPOSITIONS = ["self_service", "handled_by_agent", "abandoned", "callback_requested", "handover_unanswered", "no_interaction"] as const;

/**
 * How the call ended for the caller, as the events tell it: the bot handled it (no handover asked
 * for), an agent talked with the caller, the caller hung up waiting in a queue, asked to be called
 * back, asked for a person whom no agent answered, or said and pressed nothing.
 */
export type Disposition = (typeof DISPOSITIONS)[number];

const Transfer = Type.Object({
  atMs: Type.Number(),
  kind: StringEnum(["handover", "transfer", "overflow"]),
  /** "bot", an agent id, or a queue id (overflow). */
  from: Type.String(),
  /** The queue it went to. */
  to: Type.String(),
  /** Why (route.request's reason, for a handover). */
  reason: Type.Optional(Type.String()),
});

/** A move of the call from one party to a queue. */
export type Transfer = Static<typeof Transfer>;

const AgentPart = Type.Object({
  agentId: Type.String(),
  queueId: Type.String(),
  /** The agent's leg, when it was bridged. */
  legId: Type.Optional(Type.String()),
  answeredMs: Type.Number(),
  waitMs: Type.Number(),
  /** From `call.completed`, when the agent's part ended before the record was built. */
  talkMs: Type.Optional(Type.Number()),
  holdMs: Type.Optional(Type.Number()),
});

/** An agent's part in the call. */
export type AgentPart = Static<typeof AgentPart>;

const CallFacts = Type.Object({
  /** What the call was about: the last topic the bot recognised other than asking for a person. */
  intent: Type.Optional(Type.String()),
  /** Every intent the bot recognised, in order. */
  intents: Type.Array(Type.String()),
  account: Type.Optional(Type.String()),
  disposition: StringEnum(DISPOSITIONS),
  /** Why the bot handed over (route.request's reason). */
  handoverReason: Type.Optional(Type.String()),
  queues: Type.Array(Type.String()),
  /** Time waiting in queues, ms. */
  queueMs: Type.Number(),
  agents: Type.Array(AgentPart),
  transfers: Type.Array(Transfer),
  /** The caller's emotion escalated (`emotion.escalation`). */
  escalated: Type.Boolean(),
  /** The last voice biometrics verdict on the caller. */
  identity: Type.Optional(Type.Object({ claimedSpeaker: Type.String(), verdict: Type.String(), score: Type.Number() })),
  /** The last synthetic-voice verdict on the caller. */
  syntheticVoice: Type.Optional(Type.Object({ verdict: Type.String(), score: Type.Number(), reliable: Type.Boolean() })),
  /** The recording plugin's id for this call's audio, when it was recorded. */
  recordingId: Type.Optional(Type.String()),
});

/** The structured facts of the call. */
export type CallFacts = Static<typeof CallFacts>;

const CallSummary = Type.Object({
  text: Type.String(),
  /** Indexes into `transcript.turns`, in order. */
  highlights: Type.Array(Type.Integer()),
  facts: CallFacts,
});

/** The extractive summary: a few sentences from the facts, and the call's most telling turns as said. */
export type CallSummary = Static<typeof CallSummary>;

const EmotionReading = Type.Object({ atMs: Type.Number(), label: Type.String(), valence: Type.Number(), arousal: Type.Number() });

/** One reading of the caller's emotion. */
export type EmotionReading = Static<typeof EmotionReading>;

const CallMeasures = Type.Object({
  /** The call's length, ms. */
  handleMs: Type.Number(),
  /** The time the parties could talk: the call less queue waiting and hold, ms. */
  conversationMs: Type.Number(),
  talkMs: BySpeaker,
  /** Nobody speaking, within the conversation time. */
  silenceMs: Type.Number(),
  /** The caller and the bot or an agent speaking at once. */
  overtalkMs: Type.Number(),
  /** Longest stretch of one party speaking with the others silent, by party. */
  longestMonologueMs: BySpeaker,
  /** The caller's emotion at the start and at the end (first and last estimates). */
  emotion: Type.Optional(Type.Object({ start: EmotionReading, end: EmotionReading })),
});

/** Talk and silence measured from speech activity (vad segments, else transcript times), ms. */
export type CallMeasures = Static<typeof CallMeasures>;

const RuleResult = Type.Object({
  id: Type.String(),
  /** `na` when the call gives the rule nothing to judge. */
  status: StringEnum(["pass", "fail", "na"]),
  weight: Type.Number(),
  /** The measured value (a time in ms, a share 0-1, a ratio, a count). */
  value: Type.Optional(Type.Number()),
  /** The limit it was held to. */
  limit: Type.Optional(Type.Number()),
  detail: Type.String(),
});

/** Outcome of one scorecard rule. */
export type RuleResult = Static<typeof RuleResult>;

const Scorecard = Type.Object({
  /** 0-100: weight of passed rules over weight of judged rules; null when nothing could be judged. */
  score: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
  rules: Type.Array(RuleResult),
});

/** The quality scorecard: each rule's result and the weighted share of rules passed. */
export type Scorecard = Static<typeof Scorecard>;

/** The JSON Schema of the post-call record (what a webhook receiver gets as the body). */
export const PostCallRecordSchema = Type.Object({
  /** Document format version. */
  version: Type.Literal(1),
  /** The caller's session id: the call's id, and the delivery's idempotency key. */
  callId: Type.String(),
  start: Type.Number(),
  end: Type.Number(),
  durationMs: Type.Number(),
  endReason: Type.String(),
  session: Type.Object({ transport: Type.String(), codec: Type.String(), remote: Type.Optional(Type.String()), metadata: Type.Record(Type.String(), Type.String()) }),
  /** The legs whose words are in the transcript: the caller's and each bridged agent leg. */
  legs: Type.Array(Type.Object({ legId: Type.String(), role: StringEnum(["caller", "agent"]), agentId: Type.Optional(Type.String()), joinedMs: Type.Number(), leftMs: Type.Number() })),
  transcript: Type.Object({
    turns: Type.Array(TranscriptTurn),
    /** What the events could not tell, in words (for instance an agent leg nothing recognised). */
    gaps: Type.Array(Type.String()),
  }),
  summary: CallSummary,
  measures: CallMeasures,
  scorecard: Scorecard,
}, { title: "Parley post-call record, version 1" });

/** The post-call record. */
export type PostCallRecord = Static<typeof PostCallRecordSchema>;
