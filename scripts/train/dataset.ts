// The labelled speech in PARLEY_DATA (default ../shared/data), as 16 kHz PCM ready for the
// feature front end: FLAC decoded once by ffmpeg and cached as raw PCM under
// node_modules/.cache/parley (ignored by git, like every node_modules cache), and 8 kHz sets
// brought to 16 kHz by the same resampler a live call goes through. The telephone channel
// (media/dsp/telephone-channel.ts) is re-exported for the training scripts.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { dataDir } from "../../core/testing.ts";
import { extractFeatureFrames, type FeatureFrame } from "../../media/dsp/features.ts";
import { activeFrames } from "../../media/dsp/speech-check.ts";
import { type SpeechSegment, SpeechSegmenter } from "../../media/dsp/speech-segmenter.ts";
import { resampleClip } from "../../media/dsp/telephone-channel.ts";

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname ?? ".", "../..");
const CACHE = join(REPO_ROOT, "node_modules/.cache/parley/pcm");

/** One row of a set's labels.tsv, by column name. */
export type LabelRow = Record<string, string> & { file: string };

/** Reads `<set>/labels.tsv` of the data folder. */
export function readLabels(set: string): LabelRow[] {
  const text = readFileSync(join(dataDir(), set, "labels.tsv"), "utf8");
  const [header, ...lines] = text.trim().split("\n");
  const columns = header!.split("\t");
  return lines.map((line) => Object.fromEntries(line.split("\t").map((value, i) => [columns[i]!, value])) as LabelRow);
}

/** True when the data folder holds `set` (with its labels). */
export function hasSet(set: string): boolean {
  return existsSync(join(dataDir(), set, "labels.tsv"));
}

/** Clips one ffmpeg run decodes when filling the cache: a process per clip made a cold cache cost minutes (about 3,700 clips). */
const DECODE_BATCH = 64;

function cachePath(set: string, file: string, sampleRate: number): string {
  return join(CACHE, set, `${file}.${sampleRate}.s16`);
}

/** Decodes `files` of `set` into the cache with one ffmpeg run (one input and one raw output per file), each output renamed into place once complete. */
function decodeBatch(set: string, files: readonly string[], sampleRate: number): Promise<void> {
  const parts = files.map((file) => `${cachePath(set, file, sampleRate)}.part`);
  for (const part of parts) mkdirSync(dirname(part), { recursive: true });
  const args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...files.flatMap((file) => ["-i", join(dataDir(), set, file)])];
  parts.forEach((part, i) => args.push("-map", `${i}:a`, "-ac", "1", "-ar", String(sampleRate), "-f", "s16le", part));
  return new Promise((resolveDecode, reject) => {
    execFile("ffmpeg", args, { maxBuffer: 1 << 20 }, (error) => {
      if (error) return reject(new Error(`ffmpeg could not decode ${files.length} files of ${set} (${files[0]}, ...): ${error.message}`));
      parts.forEach((part, i) => renameSync(part, cachePath(set, files[i]!, sampleRate)));
      resolveDecode();
    });
  });
}

/** Decodes whichever of `files` are not cached yet, in batches, two ffmpeg runs at a time. */
async function fillCache(set: string, files: readonly string[], sampleRate: number): Promise<void> {
  const missing = files.filter((file) => !existsSync(cachePath(set, file, sampleRate)));
  const batches: string[][] = [];
  for (let at = 0; at < missing.length; at += DECODE_BATCH) batches.push(missing.slice(at, at + DECODE_BATCH));
  await mapLimited(batches, 2, (batch) => decodeBatch(set, batch, sampleRate));
}

/** PCM of `set/file` at its native `sampleRate`, decoded once and cached. */
export async function loadPcm(set: string, file: string, sampleRate: number): Promise<Int16Array> {
  await fillCache(set, [file], sampleRate);
  const bytes = readFileSync(cachePath(set, file, sampleRate));
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Loads every clip of `set` as 16 kHz PCM (`nativeRate` is the rate of its files). */
export async function loadSet(set: string, nativeRate = 16000, filter: (row: LabelRow) => boolean = () => true): Promise<{ row: LabelRow; pcm: Int16Array }[]> {
  const rows = readLabels(set).filter(filter);
  await fillCache(set, rows.map((row) => row.file), nativeRate);
  return mapLimited(rows, 2, async (row) => ({ row, pcm: resampleClip(await loadPcm(set, row.file, nativeRate), nativeRate, 16000) }));
}

/**
 * The speech of a clip as the plugins see a live call's: feature frames, cut into utterances by
 * the same segmenter, each utterance reduced to its active frames, all utterances together.
 */
export function clipSpeechFrames(pcm16k: Int16Array): FeatureFrame[] {
  const segments: SpeechSegment[] = [];
  const segmenter = new SpeechSegmenter();
  for (const frame of extractFeatureFrames(pcm16k)) segmenter.push(frame, (segment) => segments.push(segment));
  segmenter.flush((segment) => segments.push(segment));
  return segments.flatMap((segment) => activeFrames(segment.frames));
}

export { telephoneChannel } from "../../media/dsp/telephone-channel.ts";

