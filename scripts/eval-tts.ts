// Measures speech synthesis where a caller feels it: the time from a request to the first audio
// frame (what the caller waits for after their turn), and how much faster than real time each
// engine synthesises. Engines not installed are listed as such.
// Usage: npm run eval:tts [-- --runs N] (default 10 per text).
import { createEspeakEngine, createFestivalEngine, createFliteEngine, type TtsEngine } from "../plugins/tts/mod.ts";

const runsIndex = process.argv.indexOf("--runs");
const RUNS = runsIndex >= 0 ? Number(process.argv[runsIndex + 1]) : 10;
const TEXTS = {
  short: "Sure.",
  sentence: "Thank you for calling. How can I help you today?",
  paragraph: "Your order has shipped. It left our warehouse this morning and should arrive on Thursday, between nine and five. You will get a text message when it is out for delivery. Is there anything else I can help you with?",
};

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

console.log(`\n### Text to speech: time to first audio and speed (${RUNS} runs per text, after one warm-up)\n`);
console.log("| engine | start (ms) | text | first audio p50 (ms) | p95 (ms) | audio (s) | synthesis time / audio |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const [name, create] of [["espeak-ng", createEspeakEngine], ["flite", createFliteEngine], ["festival", createFestivalEngine]] as const) {
  let engine: TtsEngine;
  const started = performance.now();
  try {
    engine = await create();
  } catch (error) {
    console.log(`| ${name} | not available: ${error instanceof Error ? error.message : String(error)} | | | | | |`);
    continue;
  }
  const startMs = performance.now() - started;
  for await (const _ of engine.synthesize("Warm up.")) void _;
  for (const [label, text] of Object.entries(TEXTS)) {
    const first: number[] = [];
    let audioSeconds = 0;
    let synthesisMs = 0;
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      let samples = 0;
      let rate = 0;
      for await (const frame of engine.synthesize(text)) {
        if (samples === 0) first.push(performance.now() - t0);
        samples += frame.samples.length;
        rate = frame.sampleRate;
      }
      synthesisMs += performance.now() - t0;
      audioSeconds = samples / rate;
    }
    const factor = synthesisMs / RUNS / 1000 / audioSeconds;
    console.log(`| ${name} | ${startMs.toFixed(0)} | ${label} | ${quantile(first, 0.5).toFixed(1)} | ${quantile(first, 0.95).toFixed(1)} | ${audioSeconds.toFixed(1)} | ${factor.toFixed(3)} |`);
  }
  await engine.close();
}
process.exit(0);
