// The recorder thread (recorder-worker.ts) seen from the main thread. Each call's audio is copied
// into one batch for all calls, sent every BATCH_MS with the calls' openings, events, pauses and
// ends in the order they came, and the batch's buffers come back to be filled again: on the event
// loop that carries the calls, recording costs a copy per frame and one message per tick.
// Protocol: recorder-protocol.ts.
import type { Worker } from "node:worker_threads";
import { type SessionEvent, type SessionInfo, startWorker } from "../../core/mod.ts";
import type { RecordingDocument } from "./document.ts";
import { eventFilter } from "./event-filter.ts";
import type { RecordingFiles } from "./files.ts";
import { type Batch, type Control, Op, OP_SIZE, type RecorderReply, type RecorderThreadData } from "./recorder-protocol.ts";
import { RECORDER_EVENTS } from "./recorder.ts";

/** How long audio gathers before it goes to the recorder thread, ms: a frame's time, so one message per tick carries every call. */
const BATCH_MS = 20;
/** Returned buffers kept for later batches; more come back only after a stall of the thread. */
const FREE_BUFFERS = 4;

/** What the plugin is told of the recorder thread. */
export interface RecorderThreadReports {
  /** A recording could not be written (a full disk), or the thread failed. */
  error(message: string): void;
  /** A finished WAV could not be encoded to Ogg Opus and stays a WAV. */
  keptWav(recording: string, message: string): void;
}

/** A call's end as the recording marks it. */
export interface RecordingEnd {
  at: number;
  reason: string;
  durationMs: number;
}

/** The recordings of one plugin, written in a thread of their own. */
export class RecorderThread {
  readonly #data: RecorderThreadData;
  readonly #reports: RecorderThreadReports;
  readonly #sent: (type: string) => boolean;
  #worker: Worker | undefined;
  /** Handles of the calls open in the current worker: a worker that died took the others with it. */
  readonly #live = new Set<number>();
  readonly #finishing = new Map<number, { resolve(document: RecordingDocument): void; reject(error: Error): void }>();
  #nextHandle = 1;
  #ops: Int32Array = new Int32Array(1024);
  #opCount = 0;
  #samples: Int16Array = new Int16Array(65536);
  #sampleCount = 0;
  #controls: Control[] = [];
  readonly #free: { ops: Int32Array; samples: Int16Array }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** A thread for the recordings `data` describes, reporting to `reports`; start it with `start`. */
  constructor(data: RecorderThreadData, reports: RecorderThreadReports) {
    this.#data = data;
    this.#reports = reports;
    const keep = eventFilter(data.events);
    this.#sent = (type) => keep(type) || RECORDER_EVENTS.has(type);
  }

  /** Starts the worker now rather than at the first call (it warms up its keypad-tone detector; on Deno a start costs the event loop tens of ms). */
  start(): void {
    if (!this.#closed) this.#worker ??= this.#start();
  }

  /** Starts recording a session; returns its recording, as the main thread drives it. */
  open(info: SessionInfo, files: RecordingFiles): ThreadedRecording {
    this.start();
    const handle = this.#nextHandle++;
    this.#live.add(handle);
    this.#control(handle, { kind: "open", info });
    this.#refreshRef();
    return new ThreadedRecording(this, handle, files);
  }

  /** Queues audio of call `handle` for the next batch (copied: the caller may reuse its array). */
  audio(handle: number, code: typeof Op.caller | typeof Op.heard, samples: Int16Array): void {
    if (!this.#live.has(handle) || samples.length === 0) return;
    const at = this.#sampleCount;
    if (at + samples.length > this.#samples.length) this.#samples = grown(this.#samples, at + samples.length, at);
    this.#samples.set(samples, at);
    this.#sampleCount += samples.length;
    this.#op(code, handle, at, samples.length);
  }

  /** Queues one of call `handle`'s events, when the recording does anything with its type. */
  event(handle: number, event: SessionEvent): void {
    if (!this.#live.has(handle) || !this.#sent(event.type)) return;
    let json: string;
    try {
      json = JSON.stringify(event);
    } catch (error) {
      return this.#reports.error(`event ${event.type} left out of the recording: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.#control(handle, { kind: "event", json });
  }

  /** Queues a pause or a resume of call `handle`. */
  pause(handle: number, paused: boolean, at: number): void {
    if (this.#live.has(handle)) this.#control(handle, { kind: paused ? "pause" : "resume", at });
  }

  /** Ends call `handle`'s recording; resolves with its document once the thread has written it. */
  finish(handle: number, end: RecordingEnd): Promise<RecordingDocument> {
    if (!this.#live.delete(handle)) return Promise.reject(new Error("the recorder thread that held this recording failed; it is finalised at the next start"));
    this.#control(handle, { kind: "finish", ...end });
    const done = new Promise<RecordingDocument>((resolve, reject) => this.#finishing.set(handle, { resolve, reject }));
    this.#refreshRef();
    return done;
  }

  /** Sends what is queued and stops the thread (after the recordings' ends have been awaited). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#send();
    const worker = this.#worker;
    this.#worker = undefined;
    this.#lose("the recording plugin closed");
    await worker?.terminate();
  }

  #control(handle: number, control: Control): void {
    this.#op(Op.control, handle, this.#controls.length, 0);
    this.#controls.push(control);
  }

  #op(code: number, handle: number, first: number, second: number): void {
    if (this.#opCount + OP_SIZE > this.#ops.length) this.#ops = grown(this.#ops, this.#opCount + OP_SIZE, this.#opCount);
    const ops = this.#ops;
    const at = this.#opCount;
    ops[at] = code;
    ops[at + 1] = handle;
    ops[at + 2] = first;
    ops[at + 3] = second;
    this.#opCount += OP_SIZE;
    this.#timer ??= setTimeout(() => this.#send(), BATCH_MS);
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const worker = this.#worker;
    if (this.#opCount === 0 || !worker) return;
    const ops = this.#ops;
    const samples = this.#samples;
    const batch: Batch = { ops: ops.buffer as ArrayBuffer, opCount: this.#opCount, samples: samples.buffer as ArrayBuffer, controls: this.#controls };
    worker.postMessage(batch, [batch.ops, batch.samples]);
    // The next batch fills a returned pair big enough for this one, or a new pair.
    const free = this.#free.pop();
    const fits = free && free.ops.length >= ops.length && free.samples.length >= samples.length;
    this.#ops = fits ? free.ops : new Int32Array(ops.length);
    this.#samples = fits ? free.samples : new Int16Array(samples.length);
    this.#opCount = 0;
    this.#sampleCount = 0;
    this.#controls = [];
  }

  #start(): Worker {
    const worker = startWorker(new URL("./recorder-worker.ts", import.meta.url), { workerData: this.#data, name: "parley-recorder" });
    worker.on("message", (reply: RecorderReply) => this.#receive(reply));
    worker.on("error", (error) => this.#died(worker, `the recorder thread failed: ${error.message}`));
    worker.on("exit", (code) => this.#died(worker, `the recorder thread exited with code ${code}`));
    worker.unref();
    return worker;
  }

  #receive(reply: RecorderReply): void {
    if (reply.kind === "returned") {
      if (this.#free.length < FREE_BUFFERS) this.#free.push({ ops: new Int32Array(reply.ops), samples: new Int16Array(reply.samples) });
    } else if (reply.kind === "error") {
      this.#reports.error(reply.message);
    } else if (reply.kind === "kept-wav") {
      this.#reports.keptWav(reply.recording, reply.message);
    } else {
      const waiting = this.#finishing.get(reply.call);
      this.#finishing.delete(reply.call);
      this.#refreshRef();
      if (reply.kind === "finished") waiting?.resolve(reply.document);
      else waiting?.reject(new Error(reply.message));
    }
  }

  /** A worker that died took its recordings with it (recover.ts finalises them at the next start); the next call starts another. */
  #died(worker: Worker, message: string): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#reports.error(`${message}; the ${this.#live.size + this.#finishing.size} recording(s) it held are finalised at the next start`);
    this.#lose(message);
  }

  #lose(message: string): void {
    this.#live.clear();
    this.#opCount = 0;
    this.#sampleCount = 0;
    this.#controls = [];
    const finishing = [...this.#finishing.values()];
    this.#finishing.clear();
    for (const waiting of finishing) waiting.reject(new Error(message));
  }

  /** The worker keeps the process alive while it holds recordings, and not after. */
  #refreshRef(): void {
    if (this.#live.size + this.#finishing.size > 0) this.#worker?.ref();
    else this.#worker?.unref();
  }
}

/** A copy of `array` `capacity` long at least (double its length, or more), with its first `used` values. */
function grown<T extends Int16Array | Int32Array>(array: T, capacity: number, used: number): T {
  const larger = new (array.constructor as new (length: number) => T)(Math.max(capacity, array.length * 2));
  larger.set(array.subarray(0, used));
  return larger;
}

/** One call's recording, on the main thread: what its session gives it goes to the recorder thread in order. */
export class ThreadedRecording {
  readonly #thread: RecorderThread;
  readonly #handle: number;
  #paused = false;
  #finished: Promise<RecordingDocument> | undefined;

  constructor(thread: RecorderThread, handle: number, readonly files: RecordingFiles) {
    this.#thread = thread;
    this.#handle = handle;
  }

  /** The caller's audio at the recording's rate. */
  caller(samples: Int16Array): void {
    this.#thread.audio(this.#handle, Op.caller, samples);
  }

  /** One tick of what the caller heard, at the recording's rate. */
  heard(samples: Int16Array): void {
    this.#thread.audio(this.#handle, Op.heard, samples);
  }

  /** One of the session's events. */
  event(event: SessionEvent): void {
    if (!this.#finished) this.#thread.event(this.#handle, event);
  }

  /** Pauses the recording (both channels silent until `resume`); false when it is paused already or finished. */
  pause(at: number): boolean {
    return this.#switch(true, at);
  }

  /** Resumes a paused recording; false when it is not paused. */
  resume(at: number): boolean {
    return this.#switch(false, at);
  }

  /** Ends the recording (once); resolves with its document. */
  finish(end: RecordingEnd): Promise<RecordingDocument> {
    this.#finished ??= this.#thread.finish(this.#handle, end);
    return this.#finished;
  }

  #switch(paused: boolean, at: number): boolean {
    if (this.#paused === paused || this.#finished) return false;
    this.#paused = paused;
    this.#thread.pause(this.#handle, paused, at);
    return true;
  }
}
