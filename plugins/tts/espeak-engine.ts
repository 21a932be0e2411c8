// eSpeak NG from npm (@echogarden/espeak-ng-emscripten, WASM): the default synthesiser, needing
// no system package. It runs in a worker thread and streams: its first chunk (~100 ms of audio)
// is ready a few tens of ms after the request, long before the sentence is done.
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../core/mod.ts";
import type { AudioFrame } from "../../media/mod.ts";
import type { EspeakReply, EspeakRequest } from "./espeak-protocol.ts";
import { FrameChunker } from "./FrameChunker.ts";
import { splitSentences } from "./sentences.ts";
import { type TtsEngine, TtsError, type TtsOptions, type TtsWordMark } from "./TtsEngine.ts";

/** Options of the espeak-ng engine. */
export interface EspeakOptions {
  /** Default voice. Default "en-us". */
  voice?: string;
  /** Default rate, words per minute. Default 175. */
  rate?: number;
}

/** Starts the worker and loads eSpeak NG (about 0.1-0.7 s); rejects with TtsError "engine_unavailable" when it cannot. */
export async function createEspeakEngine(options: EspeakOptions = {}): Promise<TtsEngine> {
  const worker = startWorker(new URL("./espeak-worker.ts", import.meta.url), { name: "parley-espeak-ng" });
  let onMessage!: (message: EspeakReply) => void;
  let onError!: (error: Error) => void;
  let onExit!: (code: number) => void;
  try {
    const sampleRate = await new Promise<number>((resolve, reject) => {
      onMessage = (message) => (message.type === "ready" ? resolve(message.sampleRate) : reject(new TtsError("engine_unavailable", `espeak-ng cannot start: ${message.type === "failed" ? message.message : message.type}`)));
      onError = (error) => reject(new TtsError("engine_unavailable", `espeak-ng cannot start: ${error.message}`));
      onExit = (code) => reject(new TtsError("engine_unavailable", `espeak-ng worker exited with code ${code} while starting`));
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    });
    return new EspeakEngine(worker, sampleRate, options);
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    worker.off("message", onMessage).off("error", onError).off("exit", onExit);
  }
}

/** A job's mailbox on the main thread: chunks the worker sent, waiting to be read. */
interface JobInbox {
  chunks: Int16Array[];
  words: TtsWordMark[];
  done: boolean;
  error?: TtsError;
  wake?: () => void;
}

class EspeakEngine implements TtsEngine {
  readonly name = "espeak-ng";
  readonly #worker: Worker;
  readonly #sampleRate: number;
  readonly #defaults: Required<EspeakOptions>;
  readonly #jobs = new Map<number, JobInbox>();
  #nextJob = 0;
  #failure?: TtsError;

  constructor(worker: Worker, sampleRate: number, options: EspeakOptions) {
    this.#worker = worker;
    this.#sampleRate = sampleRate;
    this.#defaults = { voice: options.voice ?? "en-us", rate: options.rate ?? 175 };
    worker.on("message", (message: EspeakReply) => this.#onReply(message));
    worker.on("error", (error) => this.#failAll(new TtsError("engine_crashed", `espeak-ng worker failed: ${error.message}`)));
    worker.on("exit", (code) => this.#failAll(new TtsError("engine_crashed", `espeak-ng worker exited with code ${code}`)));
    worker.unref();
  }

  async *synthesize(text: string, options: TtsOptions = {}): AsyncGenerator<AudioFrame> {
    if (this.#failure) throw this.#failure;
    const job = ++this.#nextJob;
    const inbox: JobInbox = { chunks: [], words: [], done: false };
    this.#jobs.set(job, inbox);
    this.#worker.ref();
    const abort = () => inbox.wake?.();
    options.signal?.addEventListener("abort", abort);
    this.#post({ type: "speak", job, pieces: splitSentences(text), voice: options.voice ?? this.#defaults.voice, rate: options.rate ?? this.#defaults.rate });
    const chunker = new FrameChunker(this.#sampleRate);
    try {
      while (!options.signal?.aborted) {
        if (inbox.chunks.length === 0 && inbox.words.length === 0 && !inbox.done && !inbox.error) {
          await new Promise<void>((resolve) => (inbox.wake = resolve));
          inbox.wake = undefined;
        }
        for (const mark of inbox.words.splice(0)) options.onWord?.(mark);
        // More audio (and the end) may arrive while the consumer holds a frame: read until empty.
        // An abort (barge-in) ends the stream at once, not after the audio the worker had queued.
        for (let chunk = inbox.chunks.shift(); chunk; chunk = inbox.chunks.shift()) {
          for (const frame of chunker.push(chunk)) {
            if (options.signal?.aborted) return;
            yield frame;
          }
        }
        if (inbox.error) throw inbox.error;
        if (inbox.done && inbox.chunks.length === 0 && inbox.words.length === 0) break;
      }
      if (!options.signal?.aborted) yield* chunker.flush();
    } finally {
      options.signal?.removeEventListener("abort", abort);
      if (this.#jobs.delete(job)) {
        if (!inbox.done && !inbox.error) this.#post({ type: "cancel", job });
        if (this.#jobs.size === 0) this.#worker.unref();
      }
    }
  }

  async close(): Promise<void> {
    if (this.#failure) return;
    this.#failAll(new TtsError("engine_closed", "the espeak-ng engine was closed"));
    // A worker busy in a synthesis stops only when its piece is done, and Node does not count a
    // terminating worker as work: without a timer the process could run out of work and exit
    // before this close was done.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await this.#worker.terminate();
    } finally {
      clearInterval(keepAlive);
    }
  }

  #post(message: EspeakRequest): void {
    if (!this.#failure) this.#worker.postMessage(message);
  }

  #onReply(message: EspeakReply): void {
    if (message.type === "ready" || message.type === "failed") return;
    const inbox = this.#jobs.get(message.job);
    if (!inbox) return;
    if (message.type === "audio") {
      inbox.chunks.push(message.samples);
      inbox.words.push(...message.words);
    } else if (message.type === "done") {
      inbox.done = true;
    } else {
      inbox.error = new TtsError(message.reason, message.message);
    }
    inbox.wake?.();
  }

  #failAll(error: TtsError): void {
    this.#failure ??= error;
    for (const inbox of this.#jobs.values()) {
      inbox.error ??= error;
      inbox.wake?.();
    }
  }
}
