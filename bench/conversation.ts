// `npm run bench:conversation -- [--turns 20] [--barge-ins 10] [--min-silence 350]`: a scripted
// call (bench/conversation-call.ts) with pocketsphinx and espeak-ng; prints voice-to-voice p50/p95
// at the client and the server, Parley's own share of it, and barge-in reaction p50/p95.
import { parseArgs } from "node:util";
import { missingPocketsphinx } from "../plugins/asr/pocketsphinx-engine.ts";
import { speechClips } from "../plugins/testing.ts";
import { percentile, runConversation } from "./conversation-call.ts";

/** Questions: the speech set's clips of a few seconds (the long read passages are not questions). */
const QUESTION_MAX_SECONDS = 4;
/** Interruptions: its shortest clips. */
const INTERRUPTION_MAX_SECONDS = 2;

const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "20" },
    "barge-ins": { type: "string", default: "10" },
    // 350 ms of silence ends a turn (the WebRTC VAD's 30 ms frames make it 360): no question of the
    // speech set pauses that long mid-sentence. 300 ms measured 60 ms faster but leaves less room for
    // a caller who pauses to think; the vad plugin's own default is 500.
    "min-silence": { type: "string", default: "350" },
  },
});

const missing = missingPocketsphinx();
if (missing) throw new Error(missing);
const clips = speechClips();
if (!clips) throw new Error("the speech set is missing (set PARLEY_DATA)");
const seconds = (clip: { samples: Int16Array; sampleRate: number }) => clip.samples.length / clip.sampleRate;
const minSilenceMs = Number(values["min-silence"]);
const result = await runConversation({
  questions: clips.filter((clip) => seconds(clip) <= QUESTION_MAX_SECONDS),
  interruptions: clips.filter((clip) => seconds(clip) <= INTERRUPTION_MAX_SECONDS),
  turns: Number(values.turns),
  bargeIns: Number(values["barge-ins"]),
  minSilenceMs,
  ports: "48800-48899",
  log: (line) => console.log(line),
});

const row = (name: string, figures: number[]) =>
  `${name.padEnd(48)} p50 ${percentile(figures, 0.5).toFixed(1).padStart(7)} ms   p95 ${percentile(figures, 0.95).toFixed(1).padStart(7)} ms   (n=${figures.length})`;
console.log(`\nvoice-to-voice, endpointing minSilenceMs ${minSilenceMs}, pocketsphinx + espeak-ng`);
console.log(row("client: end of speech (energy) → answer", result.turns.map((turn) => turn.clientMs)));
console.log(row("client: the same from the VAD's end of speech", result.turns.map((turn) => turn.clientVadMs)));
console.log(row("server: end of speech → answer's first frame", result.turns.map((turn) => turn.serverMs)));
console.log(row("  endpointing silence", result.turns.map((turn) => turn.endpointMs)));
console.log(row("  ASR: end of turn → final transcript", result.turns.map((turn) => turn.asrMs)));
console.log(row("  TTS: time to first audio", result.turns.map((turn) => turn.ttsMs)));
console.log(row("  Parley's own share (the rest)", result.turns.map((turn) => turn.parleyMs)));
console.log(`\nbarge-in reaction`);
console.log(row("client: onset (energy) → prompt's audio ends", result.bargeIns.map((bargeIn) => bargeIn.clientMs)));
console.log(row("client: the same from the VAD's onset", result.bargeIns.map((bargeIn) => bargeIn.clientVadMs)));
console.log(row("server: speech onset → playback held", result.bargeIns.map((bargeIn) => bargeIn.serverMs)));
console.log(`\nserver histograms (/metrics)\n${result.metrics}`);
