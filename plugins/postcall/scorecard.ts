// The quality scorecard: rules a call-center quality team reviews calls by, each configurable
// (plugin options, with defaults) and weighted; the score is the weight passed over the weight
// judged. Phrases match whole words, case and punctuation aside.
import { Value } from "@sinclair/typebox/value";
import { type Static, Type } from "../../core/mod.ts";
import { percent, seconds } from "./format.ts";
import type { CallFacts, CallMeasures, RuleResult, Scorecard, Speaker, TranscriptTurn } from "./record.ts";

const Weight = Type.Number({ minimum: 0, maximum: 100, default: 1, description: "Weight in the score; 0 reports the rule without scoring it" });

/** The scorecard's rules, as plugin options (every field has a default). */
export const ScorecardOptions = Type.Object({
  /** The bot or an agent speaks within this many ms of the call's start. */
  greeting: Type.Object({ withinMs: Type.Integer({ minimum: 0, default: 5000 }), weight: Weight }, { additionalProperties: false, default: {} }),
  /** The caller's identity was verified: by a voice biometrics match, or (when listed) an account number given. */
  identity: Type.Object({
    evidence: Type.Array(Type.Union([Type.Literal("biometrics"), Type.Literal("account")]), { minItems: 1, default: ["biometrics"] }),
    weight: Weight,
  }, { additionalProperties: false, default: {} }),
  /** Disclosures the bot or an agent must say (any one of each's phrases), optionally within `withinMs` of the start. */
  disclosures: Type.Array(Type.Object({
    id: Type.String({ minLength: 1 }),
    phrases: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    withinMs: Type.Optional(Type.Integer({ minimum: 0 })),
    weight: Weight,
  }, { additionalProperties: false }), { default: [{ id: "recording_notice", phrases: ["call may be recorded", "call is recorded", "calls are recorded", "call is being recorded"], weight: 1 }] }),
  /** Phrases the bot or an agent must never say. */
  prohibited: Type.Object({
    phrases: Type.Array(Type.String({ minLength: 1 }), { default: ["shut up", "stupid", "idiot", "not my problem", "calm down"] }),
    weight: Weight,
  }, { additionalProperties: false, default: {} }),
  /** Share of the conversation time (queue waiting and hold left out) with nobody speaking. */
  silence: Type.Object({ maxShare: Type.Number({ minimum: 0, maximum: 1, default: 0.4 }), weight: Weight }, { additionalProperties: false, default: {} }),
  /** Share of the conversation time with the caller and the bot or an agent speaking at once. */
  overtalk: Type.Object({ maxShare: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }), weight: Weight }, { additionalProperties: false, default: {} }),
  /** Talk of the bot and agents over the caller's talk. */
  talkListen: Type.Object({ min: Type.Number({ minimum: 0, default: 0.2 }), max: Type.Number({ minimum: 0, default: 3 }), weight: Weight }, { additionalProperties: false, default: {} }),
  /** Longest stretch of the bot or an agent talking with the caller silent; pauses up to `maxPauseMs` do not end it. */
  monologue: Type.Object({ maxMs: Type.Integer({ minimum: 0, default: 60000 }), maxPauseMs: Type.Integer({ minimum: 0, default: 2000 }), weight: Weight }, { additionalProperties: false, default: {} }),
  /** The caller's valence at the end is not more than `maxDrop` below the start (-1 to 1 scale). */
  emotion: Type.Object({ maxDrop: Type.Number({ minimum: 0, maximum: 2, default: 0.3 }), weight: Weight }, { additionalProperties: false, default: {} }),
  /** The call's length from answer to hang-up. */
  handleTime: Type.Object({ maxMs: Type.Integer({ minimum: 0, default: 600000 }), weight: Weight }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} });

/** The scorecard's rules. */
export type ScorecardOptions = Static<typeof ScorecardOptions>;

/** Rules as a caller writes them: any rule, or field of one, left out takes its default. */
export type ScorecardInput = { [K in Exclude<keyof ScorecardOptions, "disclosures">]?: Partial<ScorecardOptions[K]> } & {
  disclosures?: (Omit<ScorecardOptions["disclosures"][number], "weight"> & { weight?: number })[];
};

/** The full rules from `input`, defaults filled in: `server.use(postcall, { ..., scorecard: scorecardRules({ greeting: { withinMs: 3000 } }) })`. */
export function scorecardRules(input: ScorecardInput = {}): ScorecardOptions {
  return Value.Default(ScorecardOptions, structuredClone(input)) as ScorecardOptions;
}

/** Lower case, punctuation out, single spaces, padded: `includes(" phrase ")` then matches whole words. */
function normalise(said: string): string {
  return ` ${said.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, " ").trim()} `;
}

const CENTER: readonly Speaker[] = ["bot", "agent"];

/** Scores a call against the rules. */
export function scoreCall(rules: ScorecardOptions, turns: readonly TranscriptTurn[], facts: CallFacts, measures: CallMeasures): Scorecard {
  const center = turns.filter((t) => CENTER.includes(t.speaker));
  const results: RuleResult[] = [];
  const judge = (id: string, weight: number, pass: boolean | undefined, detail: string, value?: number, limit?: number) =>
    results.push({ id, status: pass === undefined ? "na" : pass ? "pass" : "fail", weight, ...(value !== undefined ? { value } : {}), ...(limit !== undefined ? { limit } : {}), detail });

  const first = center[0];
  judge("greeting", rules.greeting.weight, first !== undefined && first.startMs <= rules.greeting.withinMs,
    first ? `first words by the ${first.speaker} at ${seconds(first.startMs)}` : "neither the bot nor an agent spoke", first?.startMs, rules.greeting.withinMs);

  const byVoice = facts.identity?.verdict === "match";
  const byAccount = facts.account !== undefined && rules.identity.evidence.includes("account");
  const verified = (byVoice && rules.identity.evidence.includes("biometrics")) || byAccount;
  judge("identity_verified", rules.identity.weight, verified,
    verified ? (byVoice ? `voice matches ${facts.identity!.claimedSpeaker}` : `account ${facts.account} given`) : `not verified (${facts.identity ? `voice: ${facts.identity.verdict}` : "no biometrics verdict"})`);

  for (const disclosure of rules.disclosures) {
    const phrases = disclosure.phrases.map(normalise);
    const said = center.find((t) => phrases.some((phrase) => normalise(t.text).includes(phrase)) && (disclosure.withinMs === undefined || t.startMs <= disclosure.withinMs));
    judge(`disclosure:${disclosure.id}`, disclosure.weight, said !== undefined,
      said ? `said by the ${said.speaker} at ${seconds(said.startMs)}` : `not said${disclosure.withinMs === undefined ? "" : ` within ${seconds(disclosure.withinMs)}`}`, said?.startMs, disclosure.withinMs);
  }

  const banned = rules.prohibited.phrases.map((phrase) => ({ phrase, key: normalise(phrase) }));
  const hits = center.flatMap((t) => banned.filter((b) => normalise(t.text).includes(b.key)).map((b) => `"${b.phrase}" by the ${t.speaker} at ${seconds(t.startMs)}`));
  judge("prohibited_phrases", rules.prohibited.weight, hits.length === 0, hits.length === 0 ? "none said" : hits.join("; "), hits.length, 0);

  const conversation = measures.conversationMs;
  const silence = conversation > 0 ? measures.silenceMs / conversation : undefined;
  judge("silence_share", rules.silence.weight, silence === undefined ? undefined : silence <= rules.silence.maxShare,
    silence === undefined ? "no conversation time" : `${percent(silence)} of ${seconds(conversation)} silent`, silence, rules.silence.maxShare);

  const overtalk = conversation > 0 ? measures.overtalkMs / conversation : undefined;
  judge("overtalk_share", rules.overtalk.weight, overtalk === undefined ? undefined : overtalk <= rules.overtalk.maxShare,
    overtalk === undefined ? "no conversation time" : `${percent(overtalk)} of ${seconds(conversation)} talked over`, overtalk, rules.overtalk.maxShare);

  const centerTalk = measures.talkMs.bot + measures.talkMs.agent;
  const ratio = measures.talkMs.caller > 0 ? centerTalk / measures.talkMs.caller : undefined;
  judge("talk_listen_ratio", rules.talkListen.weight, ratio === undefined ? undefined : ratio >= rules.talkListen.min && ratio <= rules.talkListen.max,
    ratio === undefined ? "the caller did not speak" : `bot and agents ${seconds(centerTalk)}, caller ${seconds(measures.talkMs.caller)}: ${ratio.toFixed(2)} (${rules.talkListen.min}-${rules.talkListen.max})`, ratio, rules.talkListen.max);

  const monologue = Math.max(measures.longestMonologueMs.bot, measures.longestMonologueMs.agent);
  judge("longest_monologue", rules.monologue.weight, centerTalk > 0 ? monologue <= rules.monologue.maxMs : undefined,
    `longest by the bot ${seconds(measures.longestMonologueMs.bot)}, by an agent ${seconds(measures.longestMonologueMs.agent)}`, monologue, rules.monologue.maxMs);

  const mood = measures.emotion;
  const drop = mood ? mood.start.valence - mood.end.valence : undefined;
  judge("emotion_trend", rules.emotion.weight, drop === undefined ? undefined : drop <= rules.emotion.maxDrop,
    mood ? `${mood.start.label} (valence ${mood.start.valence.toFixed(2)}) at the start, ${mood.end.label} (${mood.end.valence.toFixed(2)}) at the end` : "fewer than two emotion estimates", drop, rules.emotion.maxDrop);

  judge("handle_time", rules.handleTime.weight, measures.handleMs <= rules.handleTime.maxMs, `${seconds(measures.handleMs)}`, measures.handleMs, rules.handleTime.maxMs);

  const judged = results.filter((r) => r.status !== "na" && r.weight > 0);
  const weight = judged.reduce((sum, r) => sum + r.weight, 0);
  const passed = judged.filter((r) => r.status === "pass").reduce((sum, r) => sum + r.weight, 0);
  return { score: weight > 0 ? Math.round((passed / weight) * 1000) / 10 : null, rules: results };
}
