// The pocketsphinx engine (Debian's libpocketsphinx.so.3, CMU en-us models): dictation with the
// en-us language model, keyword spotting and JSGF grammars, decoded in worker threads so that no
// call's recognition ever runs on the main event loop. Streams go to the least busy worker.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../core/mod.ts";
import { type AsrEngine, AsrError, type AsrResult, type AsrStream, type AsrStreamOptions } from "./AsrEngine.ts";
import { LIBRARY_NAMES } from "./pocketsphinx-library.ts";
import type { DecoderKind, PocketsphinxWorkerConfig, WorkerReply, WorkerRequest } from "./pocketsphinx-protocol.ts";

/** Where Debian's pocketsphinx-en-us puts the model. */
export const DEFAULT_MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

/** Options of the pocketsphinx engine. */
export interface PocketsphinxOptions {
  /** Folder holding `en-us/` (acoustic model), `cmudict-en-us.dict` and `en-us.lm.bin`. Default: env PARLEY_POCKETSPHINX_MODEL, else Debian's. */
  modelDir?: string;
  /** Folder holding `libpocketsphinx.so.3` and `libsphinxbase.so.3`. Default: env PARLEY_POCKETSPHINX_LIBRARY, else where the dynamic linker finds them. */
  libraryDir?: string;
  /** Worker threads (each runs its streams one message at a time). Default: the number of cores, at most 4. */
  workers?: number;
  /** Audio between two looks at the partial hypothesis, ms. Default 200. */
  partialIntervalMs?: number;
  /**
   * Dictation: run pocketsphinx's second (flat-lexicon) pass when the utterance ends. Measured by
   * `npm run eval:asr`: worth about one WER point on the speech set, and it makes the final
   * result wait for a pass over the whole utterance (p50 150 ms instead of 33 ms, 0.5 s on a 7 s
   * turn). Default false: a caller waits for every final.
   */
  secondPass?: boolean;
  /** Decoders each worker builds before serving, so the first call does not wait (a dictation decoder takes ~0.25 s). Default ["dictation", "plain"]. */
  warmDecoders?: DecoderKind[];
  /**
   * Utterances one worker decodes at once (each holds a decoder: 6 MB for a grammar, 58 MB for
   * dictation, built in 0.01 to 0.25 s). When every worker has this many, a new utterance is refused at once with AsrError
   * "engine_busy" (the call goes on), rather than every call falling further behind. Default 8.
   */
  maxStreamsPerWorker?: number;
  /**
   * How many steps the worker threads' nice value is above the main thread's (Linux; 0 to 19).
   * When the cores are busy, the main thread's media path then gets the CPU first and recognition
   * catches up after. Default 10.
   */
  niceness?: number;
}

const INSTALL_HINT = "install it with: apt-get install -y pocketsphinx pocketsphinx-en-us";

/** Folders the dynamic linker searches on Debian-like systems, after LD_LIBRARY_PATH. */
const LIBRARY_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/usr/local/lib", "/lib"];

/** The model files pocketsphinx needs, from the model folder. */
function modelFiles(modelDir: string) {
  return { acousticModel: join(modelDir, "en-us"), dictionary: join(modelDir, "cmudict-en-us.dict"), languageModel: join(modelDir, "en-us.lm.bin") };
}

/**
 * Says what of pocketsphinx is missing (the library, or a model file), or undefined when
 * everything is there: a quick check that loads nothing, for startup messages and for tests that
 * must skip. `libraryDir` confines the library search to one folder.
 */
export function missingPocketsphinx(
  modelDir = process.env.PARLEY_POCKETSPHINX_MODEL ?? DEFAULT_MODEL_DIR,
  libraryDir = process.env.PARLEY_POCKETSPHINX_LIBRARY,
): string | undefined {
  const dirs = libraryDir ? [libraryDir] : [...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...LIBRARY_DIRS];
  for (const library of Object.values(LIBRARY_NAMES)) {
    if (!dirs.some((dir) => existsSync(join(dir, library)))) return `the pocketsphinx library ${library} is not installed${libraryDir ? ` in ${libraryDir}` : ""}; ${INSTALL_HINT}`;
  }
  const files = modelFiles(modelDir);
  for (const path of [join(files.acousticModel, "mdef"), files.dictionary, files.languageModel]) {
    if (!existsSync(path)) return `the pocketsphinx model file ${path} is missing; ${INSTALL_HINT}`;
  }
  return undefined;
}

/** The libraries the worker loads: by full path from `libraryDir`, else by name for the dynamic linker. */
function libraryPaths(libraryDir: string | undefined): PocketsphinxWorkerConfig["libraries"] {
  if (!libraryDir) return { ...LIBRARY_NAMES };
  return { pocketsphinx: join(libraryDir, LIBRARY_NAMES.pocketsphinx), sphinxbase: join(libraryDir, LIBRARY_NAMES.sphinxbase) };
}

/**
 * Starts the pocketsphinx engine: checks the model files, starts a worker and loads the library
 * there. Rejects with AsrError "engine_unavailable" and a message that says what is missing.
 */
export async function createPocketsphinxEngine(options: PocketsphinxOptions = {}): Promise<AsrEngine & PocketsphinxControl> {
  const modelDir = options.modelDir ?? process.env.PARLEY_POCKETSPHINX_MODEL ?? DEFAULT_MODEL_DIR;
  const libraryDir = options.libraryDir ?? process.env.PARLEY_POCKETSPHINX_LIBRARY;
  const missing = missingPocketsphinx(modelDir, libraryDir);
  if (missing) throw new AsrError("engine_unavailable", missing);
  const config: PocketsphinxWorkerConfig = {
    ...modelFiles(modelDir),
    libraries: libraryPaths(libraryDir),
    partialIntervalMs: options.partialIntervalMs ?? 200,
    secondPass: options.secondPass ?? false,
    warmDecoders: options.warmDecoders ?? ["dictation", "plain"],
    niceness: options.niceness ?? 10,
  };
  const engine = new PocketsphinxEngine(config, Math.max(1, options.workers ?? Math.min(4, availableParallelism())), Math.max(1, options.maxStreamsPerWorker ?? 8));
  await engine.start();
  return engine;
}

/** What the pocketsphinx engine offers beyond AsrEngine: a look at what it holds, and a simulated crash (tests, leak checks). */
export interface PocketsphinxControl {
  /** Stops every worker abruptly, as a crash would: their streams fail with "engine_crashed"; new streams start new workers. */
  terminateWorkers(): Promise<void>;
  /** Forgets what was learnt of a call's line, and what its streams still finishing would teach (the plugin calls it when the call ends). */
  endChannel(channel: string): void;
  /**
   * Workers running, streams open, calls whose line estimate is remembered (until `endChannel`; at
   * most 10,000, least recently used forgotten), and decoders the workers running now have built
   * and freed: under steady load the count built stops growing.
   */
  stats(): PocketsphinxStats;
}

/** What the pocketsphinx engine holds (see PocketsphinxControl.stats). */
export interface PocketsphinxStats {
  workers: number;
  streams: number;
  channels: number;
  decodersBuilt: number;
  decodersFreed: number;
}

/** Channels whose cepstral mean is remembered (the least recently used are forgotten). */
const MAX_CHANNELS = 10_000;

/** The main thread's view of one stream. */
interface StreamState {
  options: AsrStreamOptions;
  opened: Deferred<void>;
  final: Deferred<AsrResult>;
  /** Set once the stream has failed; later calls see it. */
  failure?: AsrError;
  finishing: boolean;
}

/** A worker and the streams it serves. */
interface WorkerSlot {
  worker: Worker;
  streams: Map<number, StreamState>;
  ready: Promise<void>;
  /** True once it has loaded the library and its warm decoders. */
  warm: boolean;
  /** Its decoders built and freed, as it last said. */
  decoders: { built: number; freed: number };
}

class PocketsphinxEngine implements AsrEngine, PocketsphinxControl {
  readonly name = "pocketsphinx";
  readonly sampleRate = 16000;
  readonly #config: PocketsphinxWorkerConfig;
  readonly #maxWorkers: number;
  readonly #maxStreamsPerWorker: number;
  readonly #slots: WorkerSlot[] = [];
  #nextStream = 0;
  #closed = false;
  /**
   * Each channel's cepstral mean after its last utterance: decoders are pooled, so the line
   * estimate travels with the call. A new channel's first utterance is estimated from its own
   * first second instead (see pocketsphinx-cmn.ts).
   */
  readonly #channels = new Map<string, Float32Array>();
  /** Each channel's latest stream, until it has its final result or has failed. */
  readonly #lastInChannel = new Map<string, StreamState>();

  constructor(config: PocketsphinxWorkerConfig, maxWorkers: number, maxStreamsPerWorker: number) {
    this.#config = config;
    this.#maxWorkers = maxWorkers;
    this.#maxStreamsPerWorker = maxStreamsPerWorker;
  }

  /** Starts the first worker and waits until it has loaded the library and its warm decoders. */
  async start(): Promise<void> {
    await this.#spawn().ready;
  }

  async open(options: AsrStreamOptions): Promise<AsrStream> {
    if (this.#closed) throw new AsrError("engine_closed", "the pocketsphinx engine is closed");
    const state: StreamState = { options, opened: deferred(), final: deferred(), finishing: false };
    // Nobody may be waiting on `final` when a stream fails before finish(); that is not an unhandled rejection.
    state.final.promise.catch(() => {});
    await this.#afterPreviousInChannel(state);
    if (this.#closed) throw new AsrError("engine_closed", "the pocketsphinx engine is closed");
    const slot = this.#pickSlot();
    if (slot.streams.size >= this.#maxStreamsPerWorker) {
      const busy = new AsrError("engine_busy", `all ${this.#slots.length * this.#maxStreamsPerWorker} pocketsphinx recognition slots are busy`);
      state.final.reject(busy);
      throw busy;
    }
    const id = ++this.#nextStream;
    // Counted on its worker at once, so streams opened together spread over the workers.
    slot.streams.set(id, state);
    slot.worker.ref();
    try {
      await slot.ready;
      this.#post(slot, { type: "open", stream: id, search: options.search, cmnMean: this.#channelMean(options.channel) });
      await state.opened.promise;
    } catch (error) {
      this.#forget(slot, id);
      throw error;
    }
    return {
      write: (samples) => {
        if (state.failure || state.finishing) return;
        // A frame may be a view on a buffer shared with other frames (the resampler carves its
        // outputs from slabs), and posting a view clones its whole buffer: send a copy of its own.
        const own = samples.slice();
        this.#post(slot, { type: "audio", stream: id, samples: own.buffer }, [own.buffer]);
      },
      finish: () => {
        if (state.failure) return Promise.reject(state.failure);
        if (!state.finishing) {
          state.finishing = true;
          this.#post(slot, { type: "finish", stream: id });
        }
        return state.final.promise;
      },
      cancel: () => {
        if (!slot.streams.has(id)) return;
        this.#fail(state, new AsrError("stream_closed", "the stream was cancelled"), false);
        this.#post(slot, { type: "cancel", stream: id });
        this.#forget(slot, id);
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#stopAll(new AsrError("engine_closed", "the pocketsphinx engine was closed"));
  }

  terminateWorkers(): Promise<void> {
    return this.#stopAll(new AsrError("engine_crashed", "the pocketsphinx worker was terminated"));
  }

  endChannel(channel: string): void {
    this.#channels.delete(channel);
    // A call that ends while its last turn is still being recognised: that final must not learn the line back.
    this.#lastInChannel.delete(channel);
  }

  stats(): PocketsphinxStats {
    let streams = 0;
    let decodersBuilt = 0;
    let decodersFreed = 0;
    for (const slot of this.#slots) {
      streams += slot.streams.size;
      decodersBuilt += slot.decoders.built;
      decodersFreed += slot.decoders.freed;
    }
    return { workers: this.#slots.length, streams, channels: this.#channels.size, decodersBuilt, decodersFreed };
  }

  async #stopAll(error: AsrError): Promise<void> {
    const slots = this.#slots.splice(0);
    for (const slot of slots) this.#failSlot(slot, error);
    // A worker inside a native call exits only when the call returns, and a terminating worker
    // does not keep the event loop alive: without this timer a script awaiting close() could see
    // its process run out of work and end first.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** The least busy worker, or a new one while there is room and every worker is busy. */
  /**
   * The worker for a new stream: the least busy warm one with room. A worker takes seconds to load
   * its language model, so the next one starts in the background as soon as the warm ones each
   * carry a stream, and a caller waits for a starting worker only when no warm one has room.
   */
  #pickSlot(): WorkerSlot {
    let best: WorkerSlot | undefined;
    for (const slot of this.#slots) {
      if (slot.warm && slot.streams.size < this.#maxStreamsPerWorker && (!best || slot.streams.size < best.streams.size)) best = slot;
    }
    const starting = this.#slots.find((slot) => !slot.warm);
    if (!starting && this.#slots.length < this.#maxWorkers && (!best || best.streams.size > 0)) {
      const fresh = this.#spawn();
      if (!best) return fresh;
    }
    return best ?? starting ?? this.#slots.reduce((least, slot) => (slot.streams.size < least.streams.size ? slot : least));
  }

  #spawn(): WorkerSlot {
    const worker = startWorker(new URL("./pocketsphinx-worker.ts", import.meta.url), { workerData: this.#config, name: "parley-pocketsphinx" });
    const ready = deferred<void>();
    const slot: WorkerSlot = { worker, streams: new Map(), ready: ready.promise, warm: false, decoders: { built: 0, freed: 0 } };
    ready.promise.catch(() => {});
    this.#slots.push(slot);
    worker.on("message", (message: WorkerReply) => {
      if (message.type === "ready") {
        slot.warm = true;
        ready.resolve();
        if (slot.streams.size === 0) worker.unref();
      } else if (message.type === "decoders") {
        slot.decoders = { built: message.built, freed: message.freed };
      } else if (message.type === "failed") {
        const hint = message.reason === "engine_unavailable" ? `; ${INSTALL_HINT}` : "";
        const error = new AsrError(message.reason, `pocketsphinx cannot start: ${message.message}${hint}`);
        ready.reject(error);
        this.#drop(slot, error);
        void worker.terminate();
      } else {
        this.#onStreamReply(slot, message);
      }
    });
    const crashed = (why: string) => {
      const error = new AsrError("engine_crashed", `the pocketsphinx worker ${why}`);
      ready.reject(error);
      this.#drop(slot, error);
    };
    worker.on("error", (error) => crashed(`failed: ${error.message}`));
    worker.on("exit", (code) => crashed(`exited with code ${code}`));
    return slot;
  }

  #onStreamReply(slot: WorkerSlot, message: Exclude<WorkerReply, { type: "ready" | "failed" | "decoders" }>): void {
    const state = slot.streams.get(message.stream);
    if (!state) return;
    switch (message.type) {
      case "opened":
        state.opened.resolve();
        break;
      case "partial":
        state.options.onPartial?.(message.result);
        break;
      case "final":
        // Only speech teaches what a line sounds like; a silent or noise-only utterance would skew it.
        if (message.cmnMean && message.result.words.length > 0) this.#learnChannel(state.options.channel, message.cmnMean);
        state.final.resolve(message.result);
        this.#forget(slot, message.stream);
        break;
      case "error":
        this.#fail(state, new AsrError(message.reason, message.message), true);
        this.#forget(slot, message.stream);
        break;
    }
  }

  /**
   * Waits until the channel's previous utterance, when it is finishing, has its final result: a
   * caller's next turn often starts before that result is back (the endpointing silence is short;
   * under load finals wait behind other calls' audio), and it must start from the line estimate
   * the previous turn ended with, or the same call would be heard differently under load.
   */
  async #afterPreviousInChannel(state: StreamState): Promise<void> {
    const channel = state.options.channel;
    if (channel === undefined) return;
    const previous = this.#lastInChannel.get(channel);
    this.#lastInChannel.set(channel, state);
    const forget = () => {
      if (this.#lastInChannel.get(channel) === state) this.#lastInChannel.delete(channel);
    };
    state.final.promise.then(forget, forget);
    if (previous?.finishing) await previous.final.promise.catch(() => {});
  }

  #channelMean(channel: string | undefined): Float32Array | undefined {
    return channel !== undefined ? this.#channels.get(channel) : undefined;
  }

  /** Remembers a channel's line estimate, unless the channel has ended (its streams are gone from #lastInChannel). */
  #learnChannel(channel: string | undefined, mean: Float32Array): void {
    if (channel === undefined || !this.#lastInChannel.has(channel)) return;
    this.#channels.delete(channel);
    this.#channels.set(channel, mean);
    if (this.#channels.size > MAX_CHANNELS) this.#channels.delete(this.#channels.keys().next().value!);
  }

  /** Removes a dead or failed worker and fails its streams. */
  #drop(slot: WorkerSlot, error: AsrError): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    this.#failSlot(slot, error);
  }

  #failSlot(slot: WorkerSlot, error: AsrError): void {
    for (const state of slot.streams.values()) this.#fail(state, error, true);
    slot.streams.clear();
  }

  #fail(state: StreamState, error: AsrError, notify: boolean): void {
    if (state.failure) return;
    state.failure = error;
    state.opened.reject(error);
    state.final.reject(error);
    if (notify && !state.finishing) state.options.onError?.(error);
  }

  #forget(slot: WorkerSlot, id: number): void {
    slot.streams.delete(id);
    if (slot.streams.size === 0) slot.worker.unref();
  }

  #post(slot: WorkerSlot, message: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(message, transfer);
  }
}

/** A promise with its settle functions. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
