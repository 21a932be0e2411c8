// Evaluates speech recognition on real speech and prints the tables the project reports:
//  1. WER on ../shared/data/speech through the whole media path (ffmpeg sends each WAV as Opus
//     RTP in real time; Parley decodes, resamples to 16 kHz; the vad and asr plugins find the
//     turns and recognise them) against the same engine fed the WAV directly;
//  2. digit-string accuracy on ../shared/data/digits (8 kHz) with a digits grammar, per speaker;
//  3. latency from the end of speech to the final transcript.
// Usage: npm run eval:asr [-- --strings N] (N digit strings per speaker, default 10). Needs
// pocketsphinx and ffmpeg; kept short for a shared 2-core machine (about two and a half minutes).
import { join } from "node:path";
import { createServer, type SessionEvent } from "../core/mod.ts";
import { dataDir, requireTool, spawnFfmpeg, waitFor } from "../core/testing.ts";
import { digitAccuracy, digitStrings, recognize } from "../plugins/asr/conformance.ts";
import { type AsrEngine, createAsrPlugin, createPocketsphinxEngine, digitsFromText, digitsGrammar, missingPocketsphinx, wordErrorRate } from "../plugins/asr/mod.ts";
import { vad } from "../plugins/vad/mod.ts";
import { resample, type SpeechClip, speechClips } from "../plugins/testing.ts";

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const STRINGS_PER_SPEAKER = argument("strings", 10);
const DIGITS_PER_STRING = 4;
/** Opus bitrate of the simulated caller: at 32 kb/s the codec alone moved pocketsphinx by several WER points on this small set (an ffmpeg round trip, no Parley); at 64 kb/s it did not. */
const OPUS_BITRATE = "64k";
/** Calls sent through the media path at once. */
const PARALLEL_CALLS = 2;

const missing = missingPocketsphinx();
if (missing) {
  console.error(`eval:asr needs pocketsphinx: ${missing}`);
  process.exit(1);
}
const clips = speechClips();
if (!clips || !requireTool("ffmpeg")) process.exit(1);

const engine = await createPocketsphinxEngine({ workers: 2 });
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

// 1a. The engine fed each WAV directly, as one utterance of a new call.
const direct = new Map<string, string>();
for (const clip of clips) {
  const { result } = await recognize(engine, resample(clip.samples, clip.sampleRate, engine.sampleRate), { channel: `direct:${clip.file}` });
  direct.set(clip.file, result.text);
}

// 1b. The same WAVs as Opus RTP from ffmpeg, through Parley, the vad and asr plugins. Run twice:
// with a 1.5 s end-of-turn silence (each clip is one turn, as when fed directly: this isolates the
// media path) and with the VAD's default 500 ms (long clips split into turns, as on a real call).
/** What one pass through Parley produced, by file. */
interface MediaPass {
  minSilenceMs: number;
  text: Map<string, string>;
  turns: Map<string, number>;
  latencies: number[];
}

async function mediaPass(minSilenceMs: number): Promise<MediaPass> {
  const pass: MediaPass = { minSilenceMs, text: new Map(), turns: new Map(), latencies: [] };
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46300-46399", symmetric: false } })
    .use(vad, { minSilenceMs })
    .use(createAsrPlugin(engine));
  await server.listen();
  const call = async (clip: SpeechClip) => {
    const { session, port, codec } = await server.rtp.open({ codec: "opus" });
    const transcripts: Extract<SessionEvent, { type: "transcript" }>[] = [];
    let turns = 0;
    let failures = 0;
    session.events$.subscribe((event) => {
      if (event.type === "transcript") transcripts.push(event);
      else if (event.type === "turn.end") turns++;
      else if (event.type === "asr.error") failures++;
    });
    // The caller stays on the line after speaking: 2 s of silence let the VAD end the last turn.
    const sender = spawnFfmpeg(
      [
        "-re", "-i", join(dataDir(), "speech", clip.file), "-af", "apad=pad_dur=2", "-ac", "1",
        "-c:a", "libopus", "-b:a", OPUS_BITRATE, "-payload_type", String(codec.payloadType), "-f", "rtp", `rtp://127.0.0.1:${port}`,
      ],
      (clip.samples.length / clip.sampleRate + 12) * 1000,
    );
    const sent = await sender.done;
    if (sent.code !== 0) throw new Error(`ffmpeg failed for ${clip.file}: ${sent.stderr}`);
    await waitFor(() => turns > 0 && transcripts.length + failures >= turns, 10000, `every turn of ${clip.file} transcribed`);
    await session.hangup("eval");
    pass.text.set(clip.file, transcripts.map((t) => t.text).filter(Boolean).join(" "));
    pass.turns.set(clip.file, turns);
    pass.latencies.push(...transcripts.map((t) => t.latencyMs));
  };
  const queue = [...clips!];
  await Promise.all(Array.from({ length: PARALLEL_CALLS }, async () => {
    for (let clip = queue.shift(); clip; clip = queue.shift()) await call(clip);
  }));
  await server.close();
  return pass;
}
const oneTurn = await mediaPass(1500);
const defaultTurns = await mediaPass(500);

// 2. Digit strings (and isolated digits) per speaker, 8 kHz, digits grammar, each string a new call.
const grammar = { type: "grammar" as const, jsgf: digitsGrammar({ minDigits: 1, maxDigits: 8 }) };
const strings = (await digitStrings(STRINGS_PER_SPEAKER, DIGITS_PER_STRING, 2024)) ?? [];
const isolated = (await digitStrings(STRINGS_PER_SPEAKER * 2, 1, 4048)) ?? [];
const digitRows = new Map<string, { strings: { reference: string; hypothesis: string }[]; isolated: { reference: string; hypothesis: string }[] }>();
let n = 0;
for (const [set, list] of [["strings", strings], ["isolated", isolated]] as const) {
  for (const s of list) {
    const { result } = await recognize(engine, resample(s.samples, s.sampleRate, engine.sampleRate), { search: grammar, channel: `digits:${n++}` });
    const row = digitRows.get(s.speaker) ?? { strings: [], isolated: [] };
    row[set].push({ reference: s.digits, hypothesis: digitsFromText(result.text) });
    digitRows.set(s.speaker, row);
  }
}

// 3. End of speech to final result at engine level: audio written in real time, then finish();
// with and without pocketsphinx's second pass (the corpus WER without it too).
const LATENCY_FILES = ["goforward.wav", "cards-001.wav", "cards-003.wav", "cards-005.wav", "librivox-0880.wav", "librivox-0870.wav"];
async function finishLatencies(recognizer: AsrEngine, tag: string): Promise<number[]> {
  const latencies: number[] = [];
  for (const clip of clips!.filter((c) => LATENCY_FILES.includes(c.file))) {
    const { finishMs } = await recognize(recognizer, resample(clip.samples, clip.sampleRate, recognizer.sampleRate), { channel: `${tag}:${clip.file}`, paced: true });
    latencies.push(finishMs);
  }
  return latencies;
}
const withoutSecondPass = await finishLatencies(engine, "latency");
await engine.close();
const careful = await createPocketsphinxEngine({ workers: 2, secondPass: true });
const withSecondPass = await finishLatencies(careful, "careful");
const carefulDirect = new Map<string, string>();
for (const clip of clips) {
  const { result } = await recognize(careful, resample(clip.samples, clip.sampleRate, careful.sampleRate), { channel: `careful-direct:${clip.file}` });
  carefulDirect.set(clip.file, result.text);
}
await careful.close();

// Tables.
const werOf = (texts: Map<string, string>) => wordErrorRate(clips.map((c) => ({ reference: c.transcript, hypothesis: texts.get(c.file) ?? "" })));
console.log(`\n### WER on the speech set: the engine fed the WAV directly vs through Parley (Opus ${OPUS_BITRATE} RTP from ffmpeg → decode → 16 kHz → vad → asr)\n`);
console.log("| file | seconds | reference | direct | through Parley, one turn per clip | WER direct | WER Parley |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const clip of clips) {
  const d = direct.get(clip.file)!;
  const m = oneTurn.text.get(clip.file) ?? "";
  const wer = (text: string) => percent(wordErrorRate([{ reference: clip.transcript, hypothesis: text }]));
  console.log(`| ${clip.file} | ${(clip.samples.length / clip.sampleRate).toFixed(1)} | ${clip.transcript} | ${d} | ${m} | ${wer(d)} | ${wer(m)} |`);
}
const werDirect = werOf(direct);
console.log(`| **corpus** | ${clips.reduce((s, c) => s + c.samples.length / c.sampleRate, 0).toFixed(1)} | | | | **${percent(werDirect)}** | **${percent(werOf(oneTurn.text))}** |`);
console.log("\n| path | end of turn after | turns | corpus WER | minus direct (points) |");
console.log("| --- | --- | --- | --- | --- |");
console.log(`| engine fed the WAV directly, one utterance per clip | | ${clips.length} | ${percent(werDirect)} | |`);
for (const pass of [oneTurn, defaultTurns]) {
  const turns = [...pass.turns.values()].reduce((a, b) => a + b, 0);
  console.log(`| through Parley | ${pass.minSilenceMs} ms silence | ${turns} | ${percent(werOf(pass.text))} | ${((werOf(pass.text) - werDirect) * 100).toFixed(1)} |`);
}
const latencies = [...oneTurn.latencies, ...defaultTurns.latencies];

console.log(`\n### Digits (../shared/data/digits, 8 kHz, digits grammar of 1-8 digits; ${DIGITS_PER_STRING}-digit strings and isolated digits, each a new call)\n`);
console.log("| speaker | strings | strings right | digit accuracy in strings | isolated digits | isolated right |");
console.log("| --- | --- | --- | --- | --- | --- |");
const all = { strings: [] as { reference: string; hypothesis: string }[], isolated: [] as { reference: string; hypothesis: string }[] };
for (const [speaker, row] of [...digitRows].sort()) {
  all.strings.push(...row.strings);
  all.isolated.push(...row.isolated);
  const exact = (pairs: { reference: string; hypothesis: string }[]) => pairs.filter((p) => p.reference === p.hypothesis).length / pairs.length;
  console.log(`| ${speaker} | ${row.strings.length} | ${percent(exact(row.strings))} | ${percent(digitAccuracy(row.strings))} | ${row.isolated.length} | ${percent(exact(row.isolated))} |`);
}
const exactAll = (pairs: { reference: string; hypothesis: string }[]) => pairs.filter((p) => p.reference === p.hypothesis).length / Math.max(1, pairs.length);
console.log(`| **all** | ${all.strings.length} | **${percent(exactAll(all.strings))}** | **${percent(digitAccuracy(all.strings))}** | ${all.isolated.length} | **${percent(exactAll(all.isolated))}** |`);

console.log("\n### End of speech → final transcript (ms)\n");
console.log("| measured | n | p50 | p95 | max | corpus WER |");
console.log("| --- | --- | --- | --- | --- | --- |");
const row = (label: string, values: number[], wer = "") =>
  console.log(`| ${label} | ${values.length} | ${quantile(values, 0.5).toFixed(0)} | ${quantile(values, 0.95).toFixed(0)} | ${Math.max(...values).toFixed(0)} | ${wer} |`);
row(`through Parley (2 calls at once): \`turn.end\` → \`transcript\``, latencies, percent(werOf(oneTurn.text)));
row("engine, audio written in real time: `finish()` → final (the default, no second pass)", withoutSecondPass, percent(werDirect));
row("the same with pocketsphinx's second pass (`secondPass: true`)", withSecondPass, percent(werOf(carefulDirect)));
process.exit(0);
