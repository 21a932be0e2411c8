import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { SessionInfo } from "../../core/mod.ts";
import { joinSamples } from "../../plugins/recording/appender.ts";
import { ChunkSealer } from "../../plugins/recording/encrypted-format.ts";
import { recordingFiles } from "../../plugins/recording/files.ts";
import { Recorder } from "../../plugins/recording/recorder.ts";
import { testKeyPair } from "../../plugins/recording/testing.ts";
import { speechLike } from "../speech-like.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

/** 16 kHz, 20 ms. */
const FRAME = 320;
/** Frames per flush of the plugin's default 250 ms (12.5: a flush every 12 or 13 frames). */
const FRAMES_PER_FLUSH = 12.5;
/** Frames one recorder takes in the bench before a new one replaces it (5 s). */
const RECORDER_FRAMES = 250;
/** Flushes timed for the report on encryption. */
const SEALS = 400;

/**
 * The recording plugin's work on the event loop per 20 ms frame of a call at 16 kHz, through a
 * real Recorder: both channels lined up into stereo, the keypad-tone detector on the caller's
 * audio, the masking lookback, and a flush asked for every 250 ms. The file writes and syncs run
 * on libuv's threads, the encryption on WebCrypto's (see the report); a synchronous bench never
 * lets a flush finish, so the next ones join it, and joining a flush's 16 kB batch (a copy, about
 * 0.1 us a frame) is left out. Nor are the written blocks given back to the aligner's ring, which
 * grows instead: as fresh memory per block would. The recorder is replaced every 5 s of audio, with what it holds.
 */
function frameCase(folder: string): BenchCase {
  const caller = speechLike(16000, 4, 7);
  const heard = speechLike(16000, 4, 8);
  const info = { id: "bench-recording", transport: "rtp", codec: "opus", sampleRate: 16000, startedAt: Date.now(), metadata: {} } as SessionInfo;
  const recorder = () => new Recorder(recordingFiles(folder, info.id), info, 16000, () => false, { maskLookbackMs: 400 });
  let current = recorder();
  let frame = 0;
  return {
    name: "recording.frame",
    batch: 25,
    run: () => {
      // A new recorder every 5 s of audio: the flushes a synchronous bench never lets finish would
      // otherwise pile a whole run's batches up for the collector, which no running server does.
      if (frame % RECORDER_FRAMES === 0) current = recorder();
      const recording = current;
      const at = (frame % 200) * FRAME;
      recording.caller(caller.subarray(at, at + FRAME));
      recording.heard(heard.subarray(at, at + FRAME));
      frame++;
      if (Math.floor(frame / FRAMES_PER_FLUSH) !== Math.floor((frame - 1) / FRAMES_PER_FLUSH)) void recording.flush().catch(() => {});
      return frame;
    },
  };
}

/** What encrypting one 250 ms flush (stereo 16 kHz, 16 000 bytes, one AES-256-GCM chunk) costs, in us. */
export interface SealFigures {
  /** From the call to the sealed chunk, one flush at a time. */
  wallUs: number;
  /** Event-loop time until `seal` hands the samples to WebCrypto and returns. */
  issueUs: number;
  /** Event-loop time of the whole seal (Node's event-loop utilisation; null where the runtime does not measure it, as Deno). */
  eventLoopUs: number | null;
}

/** Times `SEALS` seals of one flush each, awaited one at a time. */
async function measureSeal(sealer: ChunkSealer): Promise<SealFigures> {
  await sealer.ready;
  const bytes = joinSamples([speechLike(16000, 0.5, 9)], 8000);
  for (let i = 0; i < 20; i++) await sealer.seal(bytes, false);
  let issue = 0;
  const utilisation = performance.eventLoopUtilization();
  const start = performance.now();
  for (let i = 0; i < SEALS; i++) {
    const before = performance.now();
    const sealing = sealer.seal(bytes, false);
    issue += performance.now() - before;
    await sealing;
  }
  const wall = performance.now() - start;
  const { active } = performance.eventLoopUtilization(utilisation);
  const us = (ms: number) => Math.round((ms * 1000) / SEALS * 10) / 10;
  return { wallUs: us(wall), issueUs: us(issue), eventLoopUs: active > 0 ? us(active) : null };
}

/** The recording plugin's per-frame cost, and (in the report) what encrypting a flush adds. */
export function recordingSuite(): BenchSuite {
  const sealer = new ChunkSealer(testKeyPair("rsa").publicKey, 16000, 2);
  const folder = mkdtempSync(join(tmpdir(), "parley-bench-recording-"));
  return { name: "recording", cases: [frameCase(folder)], report: () => measureSeal(sealer), close: () => rmSync(folder, { recursive: true, force: true }) };
}
