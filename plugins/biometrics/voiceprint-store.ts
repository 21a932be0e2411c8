// Voiceprints on disk: one file per speaker, named by a hash of the speaker id (ids never reach
// the file system as paths), written atomically and readable by the owner only. With a key
// configured, files are AES-256-GCM encrypted with the file name as associated data, so a file
// copied onto another speaker's name fails to decrypt instead of impersonating them.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GmmStatistics } from "../../media/mod.ts";

/** A speaker's enrollment: the statistics the voiceprint is adapted from. */
export interface Voiceprint {
  speakerId: string;
  /** Fingerprint of the model weights the statistics were made with. */
  model: string;
  createdAt: string;
  updatedAt: string;
  /** Speech enrolled (active frames), ms. */
  speechMs: number;
  statistics: GmmStatistics;
}

const MAGIC = new TextEncoder().encode("PVP1");
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Turns a configured key into 32 bytes: 64 hex digits or 44 base64 characters as they are, anything else through scrypt. */
export function voiceprintKey(secret: string): Uint8Array {
  if (/^[0-9a-f]{64}$/i.test(secret)) return Buffer.from(secret, "hex");
  const decoded = /^[A-Za-z0-9+/]{43}=$/.test(secret) ? Buffer.from(secret, "base64") : undefined;
  if (decoded?.length === 32) return decoded;
  return scryptSync(secret, "parley-voiceprints", 32);
}

/** Reads and writes voiceprints in one folder, encrypted when a key is given. */
export class VoiceprintStore {
  readonly #key?: Uint8Array;

  /** A store in `directory` (created on first save); `secret` enables encryption (see `voiceprintKey`). */
  constructor(readonly directory: string, secret?: string) {
    this.#key = secret ? voiceprintKey(secret) : undefined;
  }

  /** True when files are encrypted. */
  get encrypted(): boolean {
    return this.#key !== undefined;
  }

  /** Saves (replaces) a speaker's voiceprint. */
  async save(voiceprint: Voiceprint): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const name = fileName(voiceprint.speakerId);
    const json = JSON.stringify({
      ...voiceprint,
      statistics: {
        frames: voiceprint.statistics.frames,
        counts: Buffer.from(voiceprint.statistics.counts.buffer, voiceprint.statistics.counts.byteOffset, voiceprint.statistics.counts.byteLength).toString("base64"),
        sums: Buffer.from(voiceprint.statistics.sums.buffer, voiceprint.statistics.sums.byteOffset, voiceprint.statistics.sums.byteLength).toString("base64"),
      },
    });
    const content = this.#key ? this.#seal(name, Buffer.from(json)) : Buffer.from(json);
    const path = join(this.directory, name);
    const temporary = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temporary, content, { mode: 0o600 });
    await rename(temporary, path);
  }

  /** A speaker's voiceprint, or undefined when none is enrolled. Throws when the file cannot be decrypted or read. */
  async load(speakerId: string): Promise<Voiceprint | undefined> {
    const name = fileName(speakerId);
    let content: Buffer;
    try {
      content = await readFile(join(this.directory, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const sealed = content.subarray(0, MAGIC.length).equals(MAGIC);
    if (sealed && !this.#key) throw new Error(`the voiceprint of ${speakerId} is encrypted and no key is configured`);
    if (!sealed && this.#key) throw new Error(`the voiceprint of ${speakerId} is not encrypted but a key is configured; re-enroll it`);
    const parsed = JSON.parse((sealed ? this.#open(name, content) : content).toString("utf8"));
    const bytes = (text: string) => {
      const buffer = Buffer.from(text, "base64");
      return new Float64Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
    };
    return { ...parsed, statistics: { frames: parsed.statistics.frames, counts: bytes(parsed.statistics.counts), sums: bytes(parsed.statistics.sums) } };
  }

  /** Deletes a speaker's voiceprint; false when there was none. */
  async delete(speakerId: string): Promise<boolean> {
    try {
      await rm(join(this.directory, fileName(speakerId)));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  #seal(name: string, plain: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key!, iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  #open(name: string, sealed: Buffer): Buffer {
    const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const tag = sealed.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#key!, iv);
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(MAGIC.length + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error("a voiceprint could not be decrypted: wrong key, or the file was altered or renamed");
    }
  }
}

/** The file of a speaker: a hash of the id, so any id is a safe file name. */
function fileName(speakerId: string): string {
  return `${createHash("sha256").update(speakerId).digest("hex").slice(0, 40)}.voiceprint`;
}
