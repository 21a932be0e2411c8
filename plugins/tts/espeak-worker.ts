// The espeak-ng worker: eSpeak NG (WASM) synthesises here, off the main event loop. Jobs take
// turns one text piece (a sentence or clause) at a time, so a long text never holds back another
// call's first words, and a cancel lands between pieces. Protocol: espeak-protocol.ts.
import createESpeakModule, { type ESpeakNGWorker } from "@echogarden/espeak-ng-emscripten";
import { parentPort } from "node:worker_threads";
import type { EspeakReply, EspeakRequest } from "./espeak-protocol.ts";

/** A text being spoken: the pieces left and the audio already produced. */
interface Job {
  id: number;
  pieces: { text: string; offset: number }[];
  voice: string;
  rate: number;
  samplesSent: number;
}

const port = parentPort!;
const jobs: Job[] = [];
let synthesizer: ESpeakNGWorker | undefined;
let sampleRate = 22050;
let scheduled = false;
let currentVoice = "";

function reply(message: EspeakReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

try {
  const module = await createESpeakModule();
  synthesizer = new module.eSpeakNGWorker();
  sampleRate = synthesizer.get_samplerate();
  reply({ type: "ready", sampleRate });
} catch (error) {
  reply({ type: "failed", message: error instanceof Error ? error.message : String(error) });
}

/** Speaks one piece of the job at the head of the queue, then lets the next job have a turn. */
function step(): void {
  scheduled = false;
  const job = jobs.shift();
  if (!job || !synthesizer) return;
  const piece = job.pieces.shift()!;
  try {
    if (job.voice !== currentVoice) {
      // A failed switch may leave no voice loaded: the next job must set its voice again.
      currentVoice = "";
      if (synthesizer.set_voice(job.voice) !== 0) throw Object.assign(new Error(`espeak-ng has no voice "${job.voice}"`), { reason: "bad_voice" });
      currentVoice = job.voice;
    }
    synthesizer.set_rate(job.rate);
    const start = job.samplesSent;
    synthesizer.synthesize(piece.text, (samples, events) => {
      const words = events
        .filter((event) => event.type === "word")
        .map((event) => ({ offset: piece.offset + event.text_position - 1, length: event.word_length, audioMs: (start * 1000) / sampleRate + event.audio_position }));
      if (samples.length > 0 || words.length > 0) {
        const copy = samples.slice();
        job.samplesSent += copy.length;
        reply({ type: "audio", job: job.id, samples: copy, words }, [copy.buffer]);
      }
      return false;
    });
    if (job.pieces.length > 0) jobs.push(job);
    else reply({ type: "done", job: job.id });
  } catch (error) {
    const reason = (error as { reason?: string }).reason === "bad_voice" ? "bad_voice" : "synthesis_failed";
    reply({ type: "error", job: job.id, reason, message: error instanceof Error ? error.message : String(error) });
  }
  schedule();
}

function schedule(): void {
  // setImmediate, not a loop: cancels and new jobs arrive between pieces.
  if (!scheduled && jobs.length > 0) {
    scheduled = true;
    setImmediate(step);
  }
}

port.on("message", (message: EspeakRequest) => {
  if (message.type === "speak") {
    if (message.pieces.length === 0) reply({ type: "done", job: message.job });
    else jobs.push({ id: message.job, pieces: [...message.pieces], voice: message.voice, rate: message.rate, samplesSent: 0 });
  } else {
    const index = jobs.findIndex((job) => job.id === message.job);
    if (index >= 0) jobs.splice(index, 1);
  }
  schedule();
});
