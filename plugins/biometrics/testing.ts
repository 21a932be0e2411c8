// Test support for the biometrics API: WAV files of synthetic speech, a probe of event-loop lag
// that works the same on Node and Deno, and an HTTP client in a thread of its own (so that what
// the probe sees is the server's cost alone, not the client's).
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../core/mod.ts";
import { createResampler, writeWav } from "../../media/mod.ts";
import { syntheticSpeaker } from "../../media/dsp/voice-test-utils.ts";
import type { HttpClientAnswer, HttpClientRequest } from "./http-client-worker.ts";

/** `seconds` of one synthetic speaker's speech (sentences repeated) at `sampleRate`. */
export function speech(sampleRate: number, seconds: number, f0 = 110, seed = 1): Int16Array {
  const sentences = syntheticSpeaker(f0, 1, seed, 6);
  const out = new Int16Array(Math.round(seconds * 16000));
  for (let i = 0; i < out.length; i += sentences.length) out.set(sentences.subarray(0, Math.min(sentences.length, out.length - i)), i);
  return sampleRate === 16000 ? out : createResampler(16000, sampleRate).process(out);
}

/** A 16-bit mono WAV of `seconds` of speech at `sampleRate`. */
export function speechWav(sampleRate: number, seconds: number, f0 = 110, seed = 1): Uint8Array<ArrayBuffer> {
  return new Uint8Array(writeWav(speech(sampleRate, seconds, f0, seed), sampleRate));
}

/** Records how late a timer re-armed every `intervalMs` fires: the event loop's lag. */
export class LagProbe {
  readonly lags: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly intervalMs = 5) {
    this.#arm();
  }

  /** The worst lag seen, ms. */
  get max(): number {
    return Math.max(0, ...this.lags);
  }

  /** Stops sampling. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(): void {
    const armedAt = performance.now();
    this.#timer = setTimeout(() => {
      this.lags.push(Math.max(0, performance.now() - armedAt - this.intervalMs));
      this.#arm();
    }, this.intervalMs);
  }
}

/** An HTTP client running in a worker thread; one request at a time. */
export class ThreadedHttpClient {
  readonly #worker: Worker = startWorker(new URL("./http-client-worker.ts", import.meta.url), { name: "test-http-client" });

  /** Sends `request` (its body is handed over to the thread) and waits for the answer. */
  send(request: HttpClientRequest): Promise<HttpClientAnswer> {
    const answer = new Promise<HttpClientAnswer>((resolve) => this.#worker.once("message", resolve));
    this.#worker.postMessage(request, [request.body.buffer]);
    return answer;
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
