// For the recording plugin's tests: the channels of a stereo signal, key pairs made fresh as an
// operator would make them (PEM; the public half configured, the private half kept elsewhere), and
// encrypted recordings written as the plugin writes them. Test code only.
import { generateKeyPairSync } from "node:crypto";
import { resample } from "../testing.ts";
import { SampleAppender } from "./appender.ts";
import { EncryptedSink } from "./encrypted-file.ts";
import { type RecordingPrivateKey, recordingPrivateKey, type RecordingPublicKey, recordingPublicKey } from "./envelope.ts";

/** A fresh key pair, as PEM and as read by the recording plugin. */
export interface TestKeyPair {
  publicPem: string;
  privatePem: string;
  publicKey: RecordingPublicKey;
  privateKey: RecordingPrivateKey;
}

/** A fresh RSA (2048 bits) or X25519 key pair. */
export function testKeyPair(type: "rsa" | "x25519"): TestKeyPair {
  const pair = type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("x25519");
  const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
  const privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  return { publicPem, privatePem, publicKey: recordingPublicKey(publicPem), privateKey: recordingPrivateKey(privatePem) };
}

/** Writes `batches` (interleaved stereo) to `path` as the plugin does, one flush each; closes the recording unless `interrupted`. */
export async function writeEncryptedRecording(path: string, publicKey: RecordingPublicKey, sampleRate: number, batches: Int16Array[], interrupted = false): Promise<void> {
  const audio = new SampleAppender(new EncryptedSink(path, publicKey, sampleRate, 2));
  for (const batch of batches) {
    audio.append(batch);
    await audio.flush();
  }
  if (interrupted) await audio.sink.close();
  else await audio.close();
}

/** Shannon entropy of the bytes, bits per byte: near 8 for ciphertext, well under for audio. */
export function entropy(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const byte of bytes) counts[byte]!++;
  return -counts.filter((count) => count > 0).reduce((sum, count) => sum + (count / bytes.length) * Math.log2(count / bytes.length), 0);
}

/** The two channels of an interleaved stereo signal. */
export function channels(samples: Int16Array): [Int16Array, Int16Array] {
  const left = new Int16Array(samples.length / 2);
  const right = new Int16Array(samples.length / 2);
  for (let i = 0; i < left.length; i++) {
    left[i] = samples[2 * i]!;
    right[i] = samples[2 * i + 1]!;
  }
  return [left, right];
}

/** A 16 kHz signal as it comes out of a PCMU round trip: band-limited to 8 kHz, at 16 kHz. */
export function telephone(samples: Int16Array): Int16Array {
  return resample(resample(samples, 16000, 8000), 8000, 16000);
}
