// The recording plugin's recorder thread: every call's Recorder (the channels lined up, keypad
// tones found and masked, the files written and synced) runs here, off the event loop that carries
// the calls. At 200 recorded calls that work held the main thread 62-70% busy and its event-loop
// lag at a p99 of 11-13 ms; there the recording now costs a copy of each frame into a batch.
// Protocol: recorder-protocol.ts.
import { parentPort, workerData } from "node:worker_threads";
import type { SessionEvent } from "../../core/mod.ts";
import { lowerThreadPriority } from "../../core/thread-priority.ts";
import { warmUpKeyDetection } from "./caller-keys.ts";
import { recordingPublicKey } from "./envelope.ts";
import { eventFilter } from "./event-filter.ts";
import { recordingFiles } from "./files.ts";
import { type Batch, type Control, Op, OP_SIZE, type RecorderReply, type RecorderThreadData } from "./recorder-protocol.ts";
import { Recorder } from "./recorder.ts";

/**
 * The flush interval is cut into this many ticks and each call flushes on one of them, so that the
 * writes of many calls are spread over the interval instead of landing at once.
 */
const FLUSH_SLOTS = 5;

/**
 * Nice steps below the main thread: on a busy machine the event loop that carries the calls gets
 * the CPU first; the recorders need only keep up on average (their batches wait in order meanwhile).
 */
const NICENESS = 10;

lowerThreadPriority(NICENESS);
const data = workerData as RecorderThreadData;
const port = parentPort!;
const reply = (message: RecorderReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const publicKey = data.publicKey === undefined ? undefined : recordingPublicKey(data.publicKey);
const oggOpus = data.format === "ogg-opus" ? { onError: (error: unknown, recording: string) => reply({ kind: "kept-wav", recording, message: messageOf(error) }) } : undefined;
const keep = eventFilter(data.events);
warmUpKeyDetection(data.sampleRate);

/** The calls being recorded, by the handle the main thread gave them, and the flush tick of each. */
const calls = new Map<number, { recorder: Recorder; slot: number }>();
let nextSlot = 0;
let tick = 0;

const writeFailed = (error: unknown) => reply({ kind: "error", message: `recording write failed: ${messageOf(error)}` });
setInterval(() => {
  const slot = tick++ % FLUSH_SLOTS;
  for (const call of calls.values()) if (call.slot === slot) call.recorder.flush().catch(writeFailed);
}, data.flushIntervalMs / FLUSH_SLOTS);

function control(handle: number, command: Control): void {
  if (command.kind === "open") {
    const recorder = new Recorder(recordingFiles(data.directory, command.info.id), command.info, data.sampleRate, keep, { maskLookbackMs: data.maskLookbackMs, publicKey, oggOpus });
    calls.set(handle, { recorder, slot: nextSlot++ % FLUSH_SLOTS });
    return;
  }
  const recorder = calls.get(handle)?.recorder;
  if (!recorder) return;
  if (command.kind === "event") recorder.event(JSON.parse(command.json) as SessionEvent);
  else if (command.kind === "pause") recorder.pause(command.at);
  else if (command.kind === "resume") recorder.resume(command.at);
  else {
    calls.delete(handle);
    const { at, reason, durationMs } = command;
    recorder.finish({ at, reason, durationMs }).then(
      (document) => reply({ kind: "finished", call: handle, document }),
      (error) => reply({ kind: "failed", call: handle, message: messageOf(error) }),
    );
  }
}

function apply(batch: Batch): void {
  const ops = new Int32Array(batch.ops, 0, batch.opCount);
  const { samples, controls } = batch;
  for (let at = 0; at < ops.length; at += OP_SIZE) {
    const code = ops[at]!;
    const handle = ops[at + 1]!;
    // One call's failure (a bug, a bad event) must not take the others' recordings with it.
    try {
      if (code === Op.control) {
        control(handle, controls[ops[at + 2]!]!);
        continue;
      }
      const recorder = calls.get(handle)?.recorder;
      if (!recorder) continue;
      // A view of the batch: the recorder copies what it keeps (stereo.ts), so the buffer goes back to the main thread at once.
      const audio = new Int16Array(samples, ops[at + 2]! * Int16Array.BYTES_PER_ELEMENT, ops[at + 3]!);
      if (code === Op.caller) recorder.caller(audio);
      else recorder.heard(audio);
    } catch (error) {
      reply({ kind: "error", message: `recording of call ${handle} failed: ${messageOf(error)}` });
    }
  }
}

port.on("message", (batch: Batch) => {
  apply(batch);
  reply({ kind: "returned", ops: batch.ops, samples: batch.samples }, [batch.ops, batch.samples]);
});
