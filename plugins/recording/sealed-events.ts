// The kept events of an encrypted recording (transcripts, intents, emotion, synthetic-voice and
// biometric verdicts), sealed for the same public key as its audio, so that neither the journal
// nor the metadata document holds what was said in the clear. Each event is sealed on its own as
// it is journalled (AES-256-GCM with a data key of the recording's own, wrapped as the audio's is:
// envelope.ts), so whatever a crash leaves opens event by event. The nonce is the event's index
// and the associated data names the recording and the index, so an event moved, dropped from the
// middle or taken from another recording does not open. (Which events also stay plain is the
// recorder's choice.)
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { fingerprintText, type RecordingPrivateKey, type RecordingPublicKey, unwrapDataKey, WRAP_SCHEMES, wrapDataKey } from "./envelope.ts";
import { recordingError } from "./errors.ts";

/** How a recording's events are sealed: what the journal's start entry and the document carry. */
export interface EventSealing {
  format: "parley-sealed-events-1";
  /** How the data key is wrapped: "RSA-OAEP-SHA256" or "X25519-HKDF-SHA256-A256GCM". */
  keyWrapping: string;
  /** `sha256:` and the SHA-256 of the public key the data key is wrapped with. */
  keyFingerprint: string;
  /** The wrapped data key, base64. */
  wrappedKey: string;
}

/** One sealed event: its index (the nonce) and its ciphertext with the GCM tag, base64. */
export interface SealedEvent {
  n: number;
  data: string;
}

const TAG_BYTES = 16;

function nonce(n: number): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, Math.floor(n / 2 ** 32));
  view.setUint32(8, n >>> 0);
  return bytes;
}

function associatedData(recordingId: string, n: number): Uint8Array {
  return new TextEncoder().encode(`parley sealed event v1\n${recordingId}\n${n}`);
}

/** Seals one recording's events for a public key, in order. */
export class EventSealer {
  readonly sealing: EventSealing;
  readonly #dataKey = randomBytes(32);
  #next = 0;

  constructor(recipient: RecordingPublicKey, readonly recordingId: string) {
    this.sealing = {
      format: "parley-sealed-events-1",
      keyWrapping: WRAP_SCHEMES[recipient.scheme],
      keyFingerprint: fingerprintText(recipient.fingerprint),
      wrappedKey: Buffer.from(wrapDataKey(recipient, this.#dataKey)).toString("base64"),
    };
  }

  /** Seals the next event. */
  seal(event: Record<string, unknown>): SealedEvent {
    const n = this.#next++;
    const cipher = createCipheriv("aes-256-gcm", this.#dataKey, nonce(n));
    cipher.setAAD(associatedData(this.recordingId, n));
    const data = Buffer.concat([cipher.update(JSON.stringify(event), "utf8"), cipher.final(), cipher.getAuthTag()]);
    return { n, data: data.toString("base64") };
  }
}

/** Opens a recording's sealed events with the private key, in order; throws the recording's coded errors (wrong key, damaged). */
export function openSealedEvents(sealing: EventSealing, sealed: readonly SealedEvent[], recordingId: string, owner: RecordingPrivateKey): Record<string, unknown>[] {
  if (sealing.format !== "parley-sealed-events-1") throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`unknown sealed events format ${JSON.stringify(sealing.format)}`);
  if (sealing.keyFingerprint !== fingerprintText(owner.fingerprint)) throw recordingError.PARLEY_ERR_RECORDING_WRONG_KEY(sealing.keyFingerprint, fingerprintText(owner.fingerprint));
  const dataKey = unwrapDataKey(owner, Buffer.from(sealing.wrappedKey, "base64"));
  if (!dataKey) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED("the events' data key does not unwrap with this private key although the key fingerprints match");
  return sealed.map(({ n, data }, i) => {
    if (n !== i) throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`sealed event ${i} says it is event ${n}: events were dropped or reordered`);
    const bytes = Buffer.from(data, "base64");
    try {
      const decipher = createDecipheriv("aes-256-gcm", dataKey, nonce(n));
      decipher.setAAD(associatedData(recordingId, n));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8")) as Record<string, unknown>;
    } catch {
      throw recordingError.PARLEY_ERR_RECORDING_DAMAGED(`sealed event ${n} does not open: it was altered or belongs to another recording`);
    }
  });
}
