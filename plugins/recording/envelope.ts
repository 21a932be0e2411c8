// The data key of an encrypted recording, wrapped with the recording key's public half so the
// server that writes the recording cannot read it back. RSA keys wrap with RSA-OAEP-SHA256; X25519
// keys with an ephemeral X25519 agreement, HKDF-SHA256 and AES-256-GCM (ECIES). Both are node:crypto
// and work the same under Deno.
import { constants, createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject, privateDecrypt, publicEncrypt } from "node:crypto";
import { recordingError } from "./errors.ts";

/** How a data key is wrapped, as numbered in the file header. */
export const WRAP_SCHEMES = { 1: "RSA-OAEP-SHA256", 2: "X25519-HKDF-SHA256-A256GCM" } as const;

/** A wrapping scheme's number in the file header. */
export type WrapScheme = keyof typeof WRAP_SCHEMES;

/** The public key recordings are encrypted for. */
export interface RecordingPublicKey {
  readonly key: KeyObject;
  readonly scheme: WrapScheme;
  /** SHA-256 of the key's SubjectPublicKeyInfo (DER): names the key without revealing anything. */
  readonly fingerprint: Uint8Array;
}

/** The private key recordings are decrypted with, and the fingerprint of its public half. */
export interface RecordingPrivateKey {
  readonly key: KeyObject;
  readonly scheme: WrapScheme;
  readonly fingerprint: Uint8Array;
}

const MIN_RSA_BITS = 2048;
const HKDF_INFO = "parley recording data key v1";
const X25519_SPKI_BYTES = 44;
const TAG_BYTES = 16;

/** Which scheme a key's type takes; throws a coded error for any other key. */
function schemeOf(key: KeyObject): WrapScheme {
  if (key.asymmetricKeyType === "x25519") return 2;
  if (key.asymmetricKeyType === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw recordingError.PARLEY_ERR_RECORDING_KEY(`an RSA key of ${bits} bits is too short (at least ${MIN_RSA_BITS})`);
    return 1;
  }
  throw recordingError.PARLEY_ERR_RECORDING_KEY(`a ${key.asymmetricKeyType} key cannot wrap recording keys (use RSA or X25519)`);
}

/** The fingerprint of a public key. */
function fingerprintOf(publicKey: KeyObject): Uint8Array {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest();
}

/** Reads the public key (PEM) recordings are encrypted for; throws a coded error for anything else. */
export function recordingPublicKey(pem: string): RecordingPublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw recordingError.PARLEY_ERR_RECORDING_KEY(`not a PEM public key (${(error as Error).message})`);
  }
  return { key, scheme: schemeOf(key), fingerprint: fingerprintOf(key) };
}

/** Reads the private key (PEM) recordings are decrypted with; a public key gets its own clear error. */
export function recordingPrivateKey(pem: string): RecordingPrivateKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    const isPublic = /-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem);
    throw recordingError.PARLEY_ERR_RECORDING_KEY(isPublic ? "this is a public key: decrypting takes the private key" : `not a PEM private key (${(error as Error).message})`);
  }
  return { key, scheme: schemeOf(key), fingerprint: fingerprintOf(createPublicKey(key)) };
}

/** The fingerprint as written in documents and messages: `sha256:` and hex. */
export function fingerprintText(fingerprint: Uint8Array): string {
  return `sha256:${Buffer.from(fingerprint).toString("hex")}`;
}

/** Wraps a 32-byte data key for `recipient`. */
export function wrapDataKey(recipient: RecordingPublicKey, dataKey: Uint8Array): Uint8Array {
  if (recipient.scheme === 1) return publicEncrypt({ key: recipient.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, dataKey);
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralSpki = ephemeral.publicKey.export({ type: "spki", format: "der" });
  const kek = keyEncryptionKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.key }), ephemeralSpki, recipient.key);
  // The key-encryption key is used once, so a zero nonce is safe.
  const cipher = createCipheriv("aes-256-gcm", kek, new Uint8Array(12));
  return Buffer.concat([ephemeralSpki, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

/** Unwraps a data key with the private key; undefined when it does not open (another key, or a damaged header). */
export function unwrapDataKey(owner: RecordingPrivateKey, wrapped: Uint8Array): Uint8Array | undefined {
  try {
    if (owner.scheme === 1) return privateDecrypt({ key: owner.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, wrapped);
    if (wrapped.length !== X25519_SPKI_BYTES + 32 + TAG_BYTES) return undefined;
    const ephemeralSpki = wrapped.subarray(0, X25519_SPKI_BYTES);
    const ephemeral = createPublicKey({ key: Buffer.from(ephemeralSpki), format: "der", type: "spki" });
    const kek = keyEncryptionKey(diffieHellman({ privateKey: owner.key, publicKey: ephemeral }), ephemeralSpki, createPublicKey(owner.key));
    const decipher = createDecipheriv("aes-256-gcm", kek, new Uint8Array(12));
    decipher.setAuthTag(wrapped.subarray(-TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(X25519_SPKI_BYTES, -TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** The AES key that wraps the data key, bound to both public keys of the agreement. */
function keyEncryptionKey(shared: Uint8Array, ephemeralSpki: Uint8Array, recipient: KeyObject): Uint8Array {
  const salt = Buffer.concat([ephemeralSpki, recipient.export({ type: "spki", format: "der" })]);
  return new Uint8Array(hkdfSync("sha256", shared, salt, HKDF_INFO, 32));
}
