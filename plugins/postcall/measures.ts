// Talk, silence and overtalk of a call, from when each party was speaking; and the caller's
// emotion at the start against the end (the emotion plugin's first and last estimates).
import { number, type ObservedEvent, text } from "./call-events.ts";
import { intersect, longestRun, subtract, total } from "./intervals.ts";
import type { CallMeasures, EmotionReading, Speaker } from "./record.ts";
import type { Timeline } from "./timeline.ts";

const SPEAKERS: readonly Speaker[] = ["caller", "bot", "agent"];

/** Measures a call laid out as `timeline`; `maxPauseMs`: the longest pause a monologue runs across. */
export function measureCall(timeline: Timeline, callerEvents: readonly ObservedEvent[], maxPauseMs: number): CallMeasures {
  const handleMs = timeline.end - timeline.start;
  const conversation = subtract([{ start: 0, end: handleMs }], [...timeline.queueing, ...timeline.hold]);
  const within = (speaker: Speaker) => intersect(timeline.speech[speaker], conversation);
  const speech = { caller: within("caller"), bot: within("bot"), agent: within("agent") };
  const center = [...speech.bot, ...speech.agent];
  const talkMs = { caller: total(speech.caller), bot: total(speech.bot), agent: total(speech.agent) };
  const longestMonologueMs = { caller: 0, bot: 0, agent: 0 };
  for (const speaker of SPEAKERS) {
    const others = SPEAKERS.filter((s) => s !== speaker).flatMap((s) => speech[s]);
    longestMonologueMs[speaker] = longestRun(speech[speaker], others, maxPauseMs);
  }
  const emotion = emotionAtEnds(callerEvents, timeline.start);
  return {
    handleMs,
    conversationMs: total(conversation),
    talkMs,
    silenceMs: total(subtract(conversation, [...speech.caller, ...center])),
    overtalkMs: total(intersect(speech.caller, center)),
    longestMonologueMs,
    ...(emotion ? { emotion } : {}),
  };
}

/** The first and last of the caller's emotion estimates (rolling ones when there are any, else per utterance). */
function emotionAtEnds(events: readonly ObservedEvent[], start: number): CallMeasures["emotion"] {
  const ok = events.filter((event) => event.type === "emotion" && event.status === "ok");
  const rolling = ok.filter((event) => event.scope === "rolling");
  const readings = (rolling.length > 0 ? rolling : ok).map((event): EmotionReading => ({
    atMs: number(event, "endMs") ?? event.ts - start,
    label: text(event, "label") ?? "unknown",
    valence: number(event, "valence") ?? 0,
    arousal: number(event, "arousal") ?? 0,
  }));
  return readings.length < 2 ? undefined : { start: readings[0]!, end: readings.at(-1)! };
}
