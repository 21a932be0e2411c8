import { isObservable, type Observable, type Subscription } from "rxjs";
import type { AudioFrame } from "../media/frame.ts";
import { createResampler, type Resampler } from "../media/resampler.ts";
import { AudioClip } from "./AudioClip.ts";
import { SampleQueue } from "./SampleQueue.ts";

/** Audio a session can play: any stream of frames, at any rate, or a clip that many calls play. */
export type AudioSource = Observable<AudioFrame> | AsyncIterable<AudioFrame> | AudioClip;

/** Options of `session.play`. */
export interface PlayOptions {
  /** Cancel whatever is playing or queued instead of waiting for it (barge-in style). */
  interrupt?: boolean;
  /** What this audio says (the TTS text, a prompt name): reported when a barge-in cuts it off. */
  label?: string;
  /** A clip starts again at its end until cancelled (hold music). */
  loop?: boolean;
  /**
   * At most this much of the source waits to be sent, ms; past it the oldest goes. For live audio
   * that must not fall behind (the other leg of a bridged call); the default holds 60 s.
   */
  maxLatencyMs?: number;
  /**
   * Whether the caller's speech may stop it (a barge-in plugin pauses and cuts off prompts). False
   * for audio that must go on while they talk: the other party of a bridged call, hold music.
   * Default true.
   */
  bargeIn?: boolean;
}

/** How a playback ended. */
export interface PlaybackResult {
  cancelled: boolean;
  /** Audio actually sent, in ms. */
  playedMs: number;
}

/** A handle on one queued or current playback. */
export interface Playback {
  readonly id: string;
  /** The label given to `play`, if any. */
  readonly label?: string;
  /** False when the caller's speech must not stop it (`PlayOptions.bargeIn`). */
  readonly bargeIn: boolean;
  /** Audio sent so far, in ms. */
  readonly playedMs: number;
  /** Resolves when the playback has been sent completely or was cancelled. */
  readonly done: Promise<PlaybackResult>;
  /** True while held by `pause()`. */
  readonly paused: boolean;
  /** Holds it where it is: nothing is sent (and the queue behind it waits) until `resume()`. */
  pause(): void;
  /** Goes on from where `pause()` held it. */
  resume(): void;
  /** Stops it now (or removes it from the queue); already-sent audio is not recalled. */
  cancel(): void;
}

/** At most this much audio is buffered per playback; a source that runs further ahead waits (async) or loses its oldest audio (Observable). */
const MAX_BUFFER_SECONDS = 60;
/** An async source is read ahead by this much, no more. */
const READ_AHEAD_SECONDS = 1;

let playbackCounter = 0;

/** One playback: its source, its queue of samples at the output rate, and its outcome. */
class PlaybackItem implements Playback {
  readonly id = `pb${++playbackCounter}`;
  readonly done: Promise<PlaybackResult>;
  readonly queue: SampleQueue;
  sourceEnded = false;
  started = false;
  paused = false;
  playedSamples = 0;
  #resolve!: (result: PlaybackResult) => void;
  #subscription?: Subscription;
  #resampler?: Resampler;
  #resamplerFrom = 0;
  #finished = false;
  #wake?: () => void;

  constructor(
    readonly source: AudioSource,
    readonly outputRate: number,
    readonly frameSamples: number,
    readonly owner: { cancel(item: PlaybackItem): void; pause(item: PlaybackItem): void },
    readonly options: PlayOptions,
  ) {
    const maxSeconds = options.maxLatencyMs === undefined ? MAX_BUFFER_SECONDS : Math.max(options.maxLatencyMs / 1000, frameSamples / outputRate);
    this.queue = new SampleQueue(Math.round(outputRate * maxSeconds));
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Begins reading the source (called when the playback becomes current, not when queued). */
  start(onError: (error: unknown) => void): void {
    this.started = true;
    if (this.source instanceof AudioClip) {
      this.#readAsync(clipFrames(this.source, this.outputRate, this.frameSamples, this.options.loop === true)).catch(onError);
    } else if (isObservable(this.source)) {
      this.#subscription = this.source.subscribe({
        next: (frame) => this.#accept(frame),
        error: (error) => {
          this.sourceEnded = true;
          onError(error);
        },
        complete: () => (this.sourceEnded = true),
      });
    } else {
      this.#readAsync(this.source).catch((error) => {
        this.sourceEnded = true;
        onError(error);
      });
    }
  }

  get label(): string | undefined {
    return this.options.label;
  }

  get bargeIn(): boolean {
    return this.options.bargeIn !== false;
  }

  get playedMs(): number {
    return Math.round((this.playedSamples * 1000) / this.outputRate);
  }

  /** Lets a waiting async reader continue once the queue has room. */
  wake(): void {
    if (this.#wake && this.queue.length < this.outputRate * READ_AHEAD_SECONDS) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
  }

  pause(): void {
    if (this.paused || this.#finished) return;
    this.paused = true;
    this.owner.pause(this);
  }

  resume(): void {
    this.paused = false;
  }

  cancel(): void {
    if (!this.#finished) this.owner.cancel(this);
  }

  /** Ends the playback once, releasing its source. */
  finish(cancelled: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#subscription?.unsubscribe();
    this.sourceEnded = true;
    this.queue.clear();
    this.#wake?.();
    this.#resolve({ cancelled, playedMs: this.playedMs });
  }

  get finished(): boolean {
    return this.#finished;
  }

  async #readAsync(source: AsyncIterable<AudioFrame> | Iterable<AudioFrame>): Promise<void> {
    for await (const frame of source) {
      if (this.#finished) return;
      this.#accept(frame);
      if (this.queue.length >= this.outputRate * READ_AHEAD_SECONDS) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        if (this.#finished) return;
      }
    }
    this.sourceEnded = true;
  }

  #accept(frame: AudioFrame): void {
    if (this.#finished) return;
    if (frame.sampleRate === this.outputRate) {
      this.queue.push(frame.samples);
      return;
    }
    if (!this.#resampler || this.#resamplerFrom !== frame.sampleRate) {
      this.#resampler = createResampler(frame.sampleRate, this.outputRate);
      this.#resamplerFrom = frame.sampleRate;
    }
    this.queue.push(this.#resampler.process(frame.samples));
  }
}

/** A clip's frames in the output format, as the frames of a stream (the queue passes each one on whole, so its shared encoding applies). */
function* clipFrames(clip: AudioClip, rate: number, frameSamples: number, loop: boolean): Iterable<AudioFrame> {
  const frames = clip.framesFor(rate, frameSamples);
  const frameMs = (frameSamples * 1000) / rate;
  let seq = 0;
  do {
    for (const samples of frames) yield { samples, sampleRate: rate, timestamp: seq * frameMs, seq: seq++ };
  } while (loop && frames.length > 0);
}

/** Notifications from the player to its session. */
export interface PlayerHooks {
  /** The first frame of a playback's audio is being sent (a playback whose source yields nothing never starts). */
  started(playback: Playback): void;
  /** A playback was paused: what the transport's peer has buffered of it should go. */
  paused?(playback: Playback): void;
  finished(playback: Playback, result: PlaybackResult): void;
  sourceError(playback: Playback, error: unknown): void;
}

/**
 * A session's outbound queue: one current playback, the rest waiting their turn. The shared
 * pacer calls `next()` every frame period to take exactly one frame of audio, or null for silence.
 */
export class Player {
  readonly #queue: PlaybackItem[] = [];

  constructor(readonly outputRate: number, readonly frameSamples: number, readonly hooks: PlayerHooks) {}

  /** Queues a source (or, with `interrupt`, replaces everything with it). */
  play(source: AudioSource, options: PlayOptions = {}): Playback {
    if (options.interrupt) this.stopAll();
    const item = new PlaybackItem(source, this.outputRate, this.frameSamples, { cancel: (cancelled) => this.#cancel(cancelled), pause: (paused) => this.hooks.paused?.(paused) }, options);
    this.#queue.push(item);
    // With nothing ahead of it, its source starts now rather than at the next tick, so a
    // synthesiser's first audio is not up to a frame period later than it need be.
    if (this.#queue.length === 1) item.start((error) => this.hooks.sourceError(item, error));
    return item;
  }

  /** The playback being sent now, if any. */
  get current(): Playback | undefined {
    const first = this.#queue[0];
    return first?.started ? first : undefined;
  }

  /** True while anything is playing or queued. */
  get playing(): boolean {
    return this.#queue.length > 0;
  }

  /** Cancels the current playback and everything queued (barge-in). Returns how many were cancelled. */
  stopAll(): number {
    const items = this.#queue.splice(0);
    for (const item of items) this.#finish(item, true);
    return items.length;
  }

  /** One frame of audio from the current playback, or null when there is nothing to send. */
  next(): Int16Array | null {
    while (this.#queue.length > 0) {
      const item = this.#queue[0];
      if (!item.started) item.start((error) => this.hooks.sourceError(item, error));
      if (item.paused) return null;
      const frame = item.queue.take(this.frameSamples);
      if (frame) {
        this.#sent(item, frame.length);
        item.wake();
        if (item.sourceEnded && item.queue.length === 0) {
          this.#queue.shift();
          this.#finish(item, false);
        }
        return frame;
      }
      if (!item.sourceEnded) return null;
      if (item.queue.length > 0) {
        this.#sent(item, item.queue.length);
        const tail = item.queue.drain(this.frameSamples);
        this.#queue.shift();
        this.#finish(item, false);
        return tail;
      }
      this.#queue.shift();
      this.#finish(item, false);
    }
    return null;
  }

  /** Counts audio taken for sending; the first of it is the moment the playback really starts. */
  #sent(item: PlaybackItem, samples: number): void {
    if (item.playedSamples === 0) this.hooks.started(item);
    item.playedSamples += samples;
  }

  #cancel(item: PlaybackItem): void {
    const index = this.#queue.indexOf(item);
    if (index >= 0) this.#queue.splice(index, 1);
    this.#finish(item, true);
  }

  #finish(item: PlaybackItem, cancelled: boolean): void {
    if (item.finished) return;
    item.finish(cancelled);
    item.done.then((result) => this.hooks.finished(item, result));
  }
}
