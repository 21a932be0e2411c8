// A stereo 16-bit PCM WAV file written while the call goes on (the plain, unencrypted recording).
// The header is written first with sizes for what is on disk and patched after every append, so
// the file is a playable WAV between any two flushes; what a crash leaves is put right by
// `finaliseWav` from the file's length.
import { type FileHandle, open } from "node:fs/promises";
import { WAV_HEADER_BYTES, wavHeader } from "../../media/wav.ts";
import type { SampleSink } from "./appender.ts";

/** The two size fields of the header (RIFF chunk, data chunk) for `dataBytes` of samples. */
function sizeFields(dataBytes: number): { riff: Uint8Array; data: Uint8Array } {
  const riff = new Uint8Array(4);
  const data = new Uint8Array(4);
  new DataView(riff.buffer).setUint32(0, WAV_HEADER_BYTES - 8 + dataBytes, true);
  new DataView(data.buffer).setUint32(0, dataBytes, true);
  return { riff, data };
}

/**
 * A plain WAV file as a sample sink: each batch is written after the samples before it, then the
 * header's sizes are patched and the data synced, so the file plays at any moment.
 */
export class WavSink implements SampleSink {
  #dataBytes = 0;
  /** The file, once created with an empty WAV header and synced; a failure surfaces at the next write. */
  readonly #file: Promise<FileHandle>;

  /** Creates (or replaces) `path` with an empty WAV of this format in the background. */
  constructor(readonly path: string, readonly sampleRate: number, readonly channels: number) {
    this.#file = createWav(path, sampleRate, channels);
    this.#file.catch(() => {});
  }

  /** Appends the blocks' samples, patches the header's sizes and syncs. */
  async write(blocks: readonly Int16Array[], samples: number): Promise<void> {
    const file = await this.#file;
    if (samples === 0) return;
    await writeBlocks(file, blocks, WAV_HEADER_BYTES + this.#dataBytes);
    this.#dataBytes += samples * 2;
    // The whole header in one write rather than its two size fields in two: one system call fewer per flush.
    await file.write(wavHeader(this.sampleRate, this.channels, this.#dataBytes), 0, WAV_HEADER_BYTES, 0);
    await file.datasync();
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await (await this.#file).close();
  }
}

/** Most buffers one vectored write takes (Linux's IOV_MAX). */
const MAX_WRITE_VECTORS = 1024;

/** Writes the blocks' bytes (little-endian, as on every supported platform) one after another from `position`, without joining them. */
async function writeBlocks(file: FileHandle, blocks: readonly Int16Array[], position: number): Promise<void> {
  const views = blocks.map((block) => new Uint8Array(block.buffer, block.byteOffset, block.byteLength));
  for (let at = 0; at < views.length; at += MAX_WRITE_VECTORS) {
    const batch = views.slice(at, at + MAX_WRITE_VECTORS);
    const bytes = batch.reduce((sum, view) => sum + view.length, 0);
    const { bytesWritten } = await file.writev(batch, position);
    // Short only when the disk is full or the file at its size limit: the header still names what the last whole flush wrote.
    if (bytesWritten !== bytes) throw new Error(`wrote ${bytesWritten} of ${bytes} bytes of samples`);
    position += bytes;
  }
}

async function createWav(path: string, sampleRate: number, channels: number): Promise<FileHandle> {
  const file = await open(path, "w");
  try {
    await file.write(wavHeader(sampleRate, channels, 0), 0, WAV_HEADER_BYTES, 0);
    await file.datasync();
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}

/**
 * Makes an interrupted recording a well-formed WAV: the sample bytes are whatever follows the
 * header, cut to whole sample frames, and the header's sizes are set to them. Returns the sample
 * bytes kept.
 */
export async function finaliseWav(path: string, channels: number): Promise<number> {
  const file = await open(path, "r+");
  try {
    const { size } = await file.stat();
    if (size < WAV_HEADER_BYTES) throw new Error(`${path} is shorter than a WAV header (${size} bytes)`);
    const frameBytes = channels * 2;
    const dataBytes = Math.floor((size - WAV_HEADER_BYTES) / frameBytes) * frameBytes;
    if (WAV_HEADER_BYTES + dataBytes !== size) await file.truncate(WAV_HEADER_BYTES + dataBytes);
    const sizes = sizeFields(dataBytes);
    await file.write(sizes.riff, 0, 4, 4);
    await file.write(sizes.data, 0, 4, 40);
    await file.datasync();
    return dataBytes;
  } finally {
    await file.close();
  }
}
