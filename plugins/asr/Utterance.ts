import type { AudioFrame } from "../../media/mod.ts";
import { type AsrEngine, AsrError, type AsrResult, type AsrSearch, type AsrStream } from "./AsrEngine.ts";

/** What an utterance reports while it runs. */
export interface UtteranceListener {
  partial(text: string): void;
  /** The engine failed before `finish()`: the utterance is over. */
  failed(error: AsrError): void;
}

/**
 * One utterance on its way through an engine: frames are written in media-time order (each once,
 * however often it is offered), held while the engine opens the stream, and the result's word
 * times are turned into media time.
 */
export class Utterance {
  /** Media time of the first frame written, ms; word times count from here. */
  originMs = Number.NaN;
  /** Media time of the end of the last frame written, ms. */
  endMs = Number.NaN;
  readonly #opening: Promise<AsrStream>;
  #stream?: AsrStream;
  readonly #held: Int16Array[] = [];
  #lastTimestamp = -Infinity;
  /** open: takes audio; finishing: waiting for the result; done: finished, failed or cancelled. */
  #state: "open" | "finishing" | "done" = "open";

  constructor(readonly id: string, engine: AsrEngine, readonly search: AsrSearch, channel: string, listener: UtteranceListener) {
    this.#opening = engine.open({
      search,
      channel,
      onPartial: (result) => {
        if (this.#state === "open") listener.partial(result.text);
      },
      onError: (error) => {
        if (this.#state !== "open") return;
        this.#state = "done";
        listener.failed(error);
      },
    });
    // Registered before any finish() awaits the opening, so held audio is written before the stream is finished.
    this.#opening.then(
      (stream) => {
        if (this.#state === "done") return stream.cancel();
        this.#stream = stream;
        for (const samples of this.#held.splice(0)) stream.write(samples);
      },
      (error) => {
        if (this.#state !== "open") return;
        this.#state = "done";
        listener.failed(error instanceof AsrError ? error : new AsrError("decoder_failed", String(error)));
      },
    );
  }

  /** Length of the audio written so far, ms. */
  get durationMs(): number {
    return Number.isNaN(this.originMs) ? 0 : this.endMs - this.originMs;
  }

  /** True once it takes no more audio: finishing, finished, failed or cancelled. */
  get over(): boolean {
    return this.#state !== "open";
  }

  /** Writes a frame unless it is older than (or the same as) one already written. */
  write(frame: AudioFrame): void {
    if (this.#state !== "open" || frame.timestamp <= this.#lastTimestamp) return;
    this.#lastTimestamp = frame.timestamp;
    if (Number.isNaN(this.originMs)) this.originMs = frame.timestamp;
    this.endMs = frame.timestamp + (frame.samples.length * 1000) / frame.sampleRate;
    if (this.#stream) this.#stream.write(frame.samples);
    else this.#held.push(frame.samples);
  }

  /** Ends the audio; resolves with the final result, its word times in media ms. */
  async finish(): Promise<AsrResult> {
    if (this.#state !== "open") throw new AsrError("stream_closed", `utterance ${this.id} is already over`);
    this.#state = "finishing";
    let result: AsrResult;
    try {
      result = await (await this.#opening).finish();
    } finally {
      this.#state = "done";
    }
    const origin = Number.isNaN(this.originMs) ? 0 : this.originMs;
    return { ...result, words: result.words.map((w) => ({ ...w, startMs: w.startMs + origin, endMs: w.endMs + origin })) };
  }

  /** Abandons it without a result. */
  cancel(): void {
    if (this.#state === "done") return;
    this.#state = "done";
    this.#stream?.cancel();
  }
}
