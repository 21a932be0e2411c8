// An encrypted recording on disk (the format: encrypted-format.ts). The header is written and
// synced when the file is created, then each flush appends one sealed chunk and syncs it; nothing
// already written is ever rewritten, so a crash can only leave an incomplete last chunk, which
// `finaliseEncrypted` cuts off without needing (or having) the key.
import { type FileHandle, open } from "node:fs/promises";
import { joinSamples, type SampleSink } from "./appender.ts";
import type { RecordingPublicKey } from "./envelope.ts";
import { CHUNK_OVERHEAD, ChunkSealer, type EncryptedHeader, MAX_CHUNK_BYTES, parseEncryptedHeader } from "./encrypted-format.ts";

/** An encrypted recording as a sample sink: one sealed chunk per batch, appended and synced. */
export class EncryptedSink implements SampleSink {
  readonly #sealer: ChunkSealer;
  readonly #file: Promise<FileHandle>;
  #size = 0;

  /** Creates (or replaces) `path` with the header of a recording of this format for `recipient`, in the background. */
  constructor(readonly path: string, recipient: RecordingPublicKey, sampleRate: number, channels: number) {
    this.#sealer = new ChunkSealer(recipient, sampleRate, channels);
    this.#file = this.#create();
    this.#file.catch(() => {});
  }

  /** Seals the blocks as the next chunk (the last when `last`), appends it and syncs. */
  async write(blocks: readonly Int16Array[], samples: number, last: boolean): Promise<void> {
    const file = await this.#file;
    const chunk = await this.#sealer.seal(joinSamples(blocks, samples), last);
    await file.write(chunk, 0, chunk.length, this.#size);
    this.#size += chunk.length;
    await file.datasync();
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await (await this.#file).close();
  }

  async #create(): Promise<FileHandle> {
    const file = await open(this.path, "w", 0o600);
    try {
      const header = this.#sealer.header;
      await file.write(header, 0, header.length, 0);
      await file.datasync();
      this.#size = header.length;
      return file;
    } catch (error) {
      await file.close();
      throw error;
    }
  }
}

/** What an interrupted encrypted recording holds, found without its key. */
export interface EncryptedExtent {
  header: EncryptedHeader;
  /** Sample bytes in its whole chunks. */
  dataBytes: number;
  /** The last chunk is there: the recording was closed. */
  complete: boolean;
}

/**
 * Cuts an interrupted encrypted recording after its last whole chunk (what follows cannot be
 * authenticated, so it cannot be decrypted) and says what it holds; only the chunks' frames are
 * read. Undefined when the file ends inside its header: it holds no audio.
 */
export async function finaliseEncrypted(path: string): Promise<EncryptedExtent | undefined> {
  const file = await open(path, "r+");
  try {
    const { size } = await file.stat();
    // The longest header: the fixed part and a wrapped key of the most its 16-bit length allows.
    const start = new Uint8Array(Math.min(size, 48 + 0xffff));
    await file.read(start, 0, start.length, 0);
    const header = parseEncryptedHeader(start, path);
    if (!header) return undefined;
    let at = header.bytes.length;
    let dataBytes = 0;
    let complete = false;
    const prefix = new Uint8Array(5);
    while (!complete && at + CHUNK_OVERHEAD <= size) {
      await file.read(prefix, 0, 5, at);
      const length = new DataView(prefix.buffer).getUint32(0);
      if (length > MAX_CHUNK_BYTES || at + CHUNK_OVERHEAD + length > size) break;
      at += CHUNK_OVERHEAD + length;
      dataBytes += length;
      complete = prefix[4] === 1;
    }
    if (at !== size) {
      await file.truncate(at);
      await file.datasync();
    }
    return { header, dataBytes, complete };
  } finally {
    await file.close();
  }
}
