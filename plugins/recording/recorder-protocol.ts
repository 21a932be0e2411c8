// What the recording plugin's main thread and its recorder thread (recorder-worker.ts) say to each
// other. The main thread sends one batch per tick for every call: the audio of all of them in one
// transferred buffer, and in the same ordered list of operations the calls' opening, events,
// pauses and ends, so a mask command lands at the audio position it was given at.
import type { SessionInfo } from "../../core/mod.ts";
import type { RecordingDocument } from "./document.ts";

/** Options the recorder thread starts with: those of the plugin it needs (the public key as PEM: a key object does not cross threads). */
export interface RecorderThreadData {
  directory: string;
  sampleRate: 8000 | 16000;
  flushIntervalMs: number;
  maskLookbackMs: number;
  events: string[];
  format: "wav" | "ogg-opus";
  publicKey?: string;
}

/** Operation codes of a batch; each operation is four numbers: code, call handle, and two arguments. */
export const Op = {
  /** Caller audio: offset and length in the batch's samples. */
  caller: 0,
  /** A tick of what the caller heard: offset and length in the batch's samples. */
  heard: 1,
  /** A control (the second argument unused): index in the batch's controls. */
  control: 2,
} as const;

/** How many numbers one operation takes in `Batch.ops`. */
export const OP_SIZE = 4;

/** A call's life besides its audio, in order with it. */
export type Control =
  | { kind: "open"; info: SessionInfo }
  /** One of the session's events, as JSON (what the journal keeps of it anyway; nothing else has to cross). */
  | { kind: "event"; json: string }
  | { kind: "pause"; at: number }
  | { kind: "resume"; at: number }
  | { kind: "finish"; at: number; reason: string; durationMs: number };

/**
 * One tick's worth of every call's recording. The arrays cross as plain ArrayBuffers: Deno's
 * node:worker_threads walks every property of a message looking for ports, and a typed array's
 * properties are its elements (that walk took 90% of a core at 200 recorded calls).
 */
export interface Batch {
  /** Int32 operations, `OP_SIZE` numbers each (`opCount` numbers in all; the buffer may be longer). */
  ops: ArrayBuffer;
  opCount: number;
  /** Int16 samples the operations point into. */
  samples: ArrayBuffer;
  controls: Control[];
}

/** What the recorder thread says back. */
export type RecorderReply =
  | { kind: "finished"; call: number; document: RecordingDocument }
  | { kind: "failed"; call: number; message: string }
  /** A write failed (a full disk) or a call's recording met an error: the calls go on, the main thread logs it. */
  | { kind: "error"; message: string }
  /** A finished WAV could not be encoded to Ogg Opus and is kept as a WAV. */
  | { kind: "kept-wav"; recording: string; message: string }
  /** A batch's buffers, copied from and handed back for the next batches. */
  | { kind: "returned"; ops: ArrayBuffer; samples: ArrayBuffer };
