// The encrypted recording format, bytes only (the files are encrypted-file.ts's). A header names
// the audio format and the public key, and holds the recording's random data key wrapped with it
// (envelope.ts); the samples follow as chunks, one per flush, each sealed on its own with
// AES-256-GCM, so whatever a crash leaves holds every whole chunk written before it.
//
//   header: "PARLREC1" | scheme u8 | channels u8 | sample rate u32 | key fingerprint (32) | wrapped length u16 | wrapped key
//   chunk:  length u32 | flags u8 (1: the last) | ciphertext (length bytes) | GCM tag (16)
//
// Integers are big-endian. A chunk's nonce is its index (a counter: the data key seals one
// recording only), and its associated data is the whole header and its flags, so a chunk that is
// moved, dropped, taken from another recording or marked last when it was not fails to open; a
// file without its last chunk was cut short, and says so.
// The chunks are sealed with WebCrypto, whose AES-GCM runs off the event loop on both runtimes:
// node:crypto's runs on it, and under Deno takes 150 us per 250 ms flush (WebCrypto: under 30 us
// of the event loop's time, on Node too).
import { randomBytes } from "node:crypto";
import { fingerprintText, type RecordingPrivateKey, type RecordingPublicKey, unwrapDataKey, WRAP_SCHEMES, type WrapScheme, wrapDataKey } from "./envelope.ts";
import type { AudioEncryption } from "./document.ts";
import { recordingError } from "./errors.ts";

/** The first bytes of every encrypted recording (the last is the format's version). */
export const ENCRYPTED_MAGIC = new TextEncoder().encode("PARLREC1");
/** Bytes of the header before the wrapped key. */
const FIXED_HEADER_BYTES = 48;
/** Bytes a chunk adds to its samples: length, flags and tag. */
export const CHUNK_OVERHEAD = 21;
const CHUNK_PREFIX_BYTES = 5;
const TAG_BYTES = 16;
const LAST = 1;
/** The largest chunk read: far above a flush (250 ms of stereo 16 kHz is 16 kB), so a damaged length is caught. */
export const MAX_CHUNK_BYTES = 16 << 20;

/** What the header of an encrypted recording says. */
export interface EncryptedHeader {
  /** The header's bytes (every chunk's associated data). */
  readonly bytes: Uint8Array;
  readonly scheme: WrapScheme;
  readonly channels: number;
  readonly sampleRate: number;
  /** Fingerprint of the public key the data key is wrapped with. */
  readonly fingerprint: Uint8Array;
  readonly wrappedKey: Uint8Array;
}

/** A chunk's nonce: its index. */
function nonce(index: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, Math.floor(index / 2 ** 32));
  view.setUint32(8, index >>> 0);
  return bytes;
}

/** The associated data of a chunk with these flags. */
function associatedData(header: Uint8Array, flags: number): Uint8Array<ArrayBuffer> {
  const aad = new Uint8Array(header.length + 1);
  aad.set(header);
  aad[header.length] = flags;
  return aad;
}

/** True when `bytes` begin like an encrypted recording. */
export function isEncryptedRecording(bytes: Uint8Array): boolean {
  return bytes.length >= ENCRYPTED_MAGIC.length && ENCRYPTED_MAGIC.every((byte, i) => bytes[i] === byte);
}

/**
 * Reads the header from a file's first bytes; undefined while they end before it does. Throws
 * PARLEY_ERR_RECORDING_NOT_ENCRYPTED when they are something else (`name` says which file).
 */
export function parseEncryptedHeader(bytes: Uint8Array, name: string): EncryptedHeader | undefined {
  const start = bytes.subarray(0, ENCRYPTED_MAGIC.length);
  if (!ENCRYPTED_MAGIC.subarray(0, start.length).every((byte, i) => start[i] === byte)) {
    const riff = new TextDecoder().decode(bytes.subarray(0, 4)) === "RIFF";
    throw recordingError.PARLEY_ERR_RECORDING_NOT_ENCRYPTED(name, riff ? "it is a plain WAV file: nothing to decrypt" : "it does not begin with PARLREC1");
  }
  if (bytes.length < FIXED_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scheme = bytes[8]!;
  if (!(scheme in WRAP_SCHEMES)) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`unknown key wrapping scheme ${scheme} in the header`);
  const end = FIXED_HEADER_BYTES + view.getUint16(46);
  if (bytes.length < end) return undefined;
  return {
    bytes: bytes.slice(0, end),
    scheme: scheme as WrapScheme,
    channels: bytes[9]!,
    sampleRate: view.getUint32(10),
    fingerprint: bytes.slice(14, 46),
    wrappedKey: bytes.slice(FIXED_HEADER_BYTES, end),
  };
}

/** What the metadata document says of audio encrypted for this key. */
export function audioEncryption(key: { scheme: WrapScheme; fingerprint: Uint8Array }): AudioEncryption {
  return { format: "parley-recording-1", keyWrapping: WRAP_SCHEMES[key.scheme], keyFingerprint: fingerprintText(key.fingerprint) };
}

/** The data key as a WebCrypto key. */
function aesKey(dataKey: Uint8Array<ArrayBuffer>, use: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", dataKey, "AES-GCM", false, [use]);
}

/** Seals one recording's samples for a public key: the header first, then one chunk per batch. */
export class ChunkSealer {
  /** The header to write before the first chunk. */
  readonly header: Uint8Array;
  readonly #key: Promise<CryptoKey>;
  /** The key once imported: from then on `seal` hands its samples to WebCrypto without yielding first. */
  #readyKey: CryptoKey | undefined;
  readonly #aad: Uint8Array<ArrayBuffer>;
  readonly #lastAad: Uint8Array<ArrayBuffer>;
  #index = 0;
  #ended = false;

  /** A new random data key, wrapped for `recipient`, for samples of this format. */
  constructor(recipient: RecordingPublicKey, sampleRate: number, channels: number) {
    const dataKey = randomBytes(32);
    const wrapped = wrapDataKey(recipient, dataKey);
    this.#key = aesKey(dataKey, "encrypt");
    this.#key.then((key) => (this.#readyKey = key), () => {});
    // importKey has copied it already (WebCrypto copies key data before it returns): only the CryptoKey keeps it.
    dataKey.fill(0);
    this.header = new Uint8Array(FIXED_HEADER_BYTES + wrapped.length);
    const view = new DataView(this.header.buffer);
    this.header.set(ENCRYPTED_MAGIC);
    this.header[8] = recipient.scheme;
    this.header[9] = channels;
    view.setUint32(10, sampleRate);
    this.header.set(recipient.fingerprint, 14);
    view.setUint16(46, wrapped.length);
    this.header.set(wrapped, FIXED_HEADER_BYTES);
    this.#aad = associatedData(this.header, 0);
    this.#lastAad = associatedData(this.header, LAST);
  }

  /** Resolves once the data key is imported (a failure surfaces at the first seal). */
  get ready(): Promise<unknown> {
    return this.#key.catch(() => {});
  }

  /** The next chunk: `samples` sealed under the next nonce; `last` ends the recording (no chunk may follow). */
  async seal(samples: Uint8Array<ArrayBuffer>, last: boolean): Promise<Uint8Array> {
    if (this.#ended) throw new Error("the recording's last chunk is already sealed");
    this.#ended = last;
    const iv = nonce(this.#index++);
    // WebCrypto's output is the ciphertext followed by the tag: the chunk's layout after its prefix.
    const key = this.#readyKey ?? await this.#key;
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: last ? this.#lastAad : this.#aad }, key, samples);
    const chunk = new Uint8Array(CHUNK_PREFIX_BYTES + sealed.byteLength);
    new DataView(chunk.buffer).setUint32(0, samples.length);
    chunk[4] = last ? LAST : 0;
    chunk.set(new Uint8Array(sealed), CHUNK_PREFIX_BYTES);
    return chunk;
  }
}

/** Where a decrypted recording stopped. */
export interface DecryptionEnd {
  /** Whole chunks opened. */
  chunks: number;
  /** The last chunk was read: the recording was closed. False: it was interrupted (a crash) or the file was cut. */
  complete: boolean;
  /** Bytes after the last whole chunk (a chunk a crash or a cut left incomplete), not decrypted. */
  droppedBytes: number;
}

/**
 * Decrypts an encrypted recording as its bytes come (a file read in pieces): `push` returns the
 * samples of the chunks each piece completes, `end` says where the file stopped. Throws coded
 * errors: not an encrypted recording, encrypted for another key, damaged or altered.
 */
export class RecordingDecryptor {
  #pending: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #header: EncryptedHeader | undefined;
  #key: Promise<CryptoKey> | undefined;
  #chunks = 0;
  #complete = false;

  /** `name` names the file in errors. */
  constructor(readonly key: RecordingPrivateKey, readonly name: string) {}

  /** The header, once read. */
  get header(): EncryptedHeader | undefined {
    return this.#header;
  }

  /** Feeds the next bytes of the file; resolves with the samples of every chunk they complete. Calls must not overlap. */
  async push(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array[]> {
    this.#pending = this.#pending.length === 0 ? bytes : concat(this.#pending, bytes);
    if (!this.#header && !this.#readHeader()) return [];
    const samples: Uint8Array[] = [];
    let at = 0;
    while (this.#pending.length - at >= CHUNK_PREFIX_BYTES) {
      const view = new DataView(this.#pending.buffer, this.#pending.byteOffset + at);
      const length = view.getUint32(0);
      const flags = this.#pending[at + 4]!;
      if (this.#complete) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`bytes follow the last chunk (chunk ${this.#chunks})`);
      if (length > MAX_CHUNK_BYTES || (flags & ~LAST) !== 0) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`chunk ${this.#chunks} has a broken frame (length ${length}, flags ${flags})`);
      const end = at + CHUNK_OVERHEAD + length;
      if (this.#pending.length < end) break;
      samples.push(await this.#open(this.#pending.subarray(at + CHUNK_PREFIX_BYTES, end), flags));
      at = end;
    }
    this.#pending = this.#pending.slice(at);
    return samples;
  }

  /** The end of the file: where the recording stopped. Throws when the file ends inside its header. */
  end(): DecryptionEnd {
    if (!this.#header) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`the file ends inside its header (${this.#pending.length} bytes)`);
    if (this.#complete && this.#pending.length > 0) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`${this.#pending.length} bytes follow the last chunk`);
    return { chunks: this.#chunks, complete: this.#complete, droppedBytes: this.#pending.length };
  }

  #readHeader(): boolean {
    const header = parseEncryptedHeader(this.#pending, this.name);
    if (!header) return false;
    if (!equal(header.fingerprint, this.key.fingerprint)) throw recordingError.PARLEY_ERR_RECORDING_WRONG_KEY(fingerprintText(header.fingerprint), fingerprintText(this.key.fingerprint));
    if (header.scheme !== this.key.scheme) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`the header names the key scheme ${WRAP_SCHEMES[header.scheme]}, the key's is ${WRAP_SCHEMES[this.key.scheme]}`);
    const dataKey = unwrapDataKey(this.key, header.wrappedKey);
    if (!dataKey) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED("the data key does not unwrap with this private key although the key fingerprints match: the header is damaged");
    this.#key = aesKey(new Uint8Array(dataKey), "decrypt");
    this.#header = header;
    this.#pending = this.#pending.slice(header.bytes.length);
    return true;
  }

  async #open(sealed: Uint8Array<ArrayBuffer>, flags: number): Promise<Uint8Array> {
    let samples: ArrayBuffer;
    try {
      samples = await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce(this.#chunks), additionalData: associatedData(this.#header!.bytes, flags) }, await this.#key!, sealed);
    } catch {
      throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`chunk ${this.#chunks} fails authentication: it was altered, moved, or comes from another recording`);
    }
    this.#chunks++;
    this.#complete = (flags & LAST) !== 0;
    return new Uint8Array(samples);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
