import { generateKeyPairSync } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { wavHeader } from "../../media/wav.ts";
import { fingerprintText, type RecordingPrivateKey, recordingPrivateKey, type RecordingPublicKey, recordingPublicKey } from "./envelope.ts";
import { ChunkSealer, type DecryptionEnd, RecordingDecryptor } from "./encrypted-format.ts";
import { entropy, testKeyPair } from "./testing.ts";

const rsa = testKeyPair("rsa");
const x25519 = testKeyPair("x25519");

/** Stereo 16 kHz speech-like samples as bytes: two voiced tones with a slow envelope and some noise, `ms` long. */
function audio(ms: number, seed = 1): Uint8Array<ArrayBuffer> {
  const frames = (16000 * ms) / 1000;
  const samples = new Int16Array(frames * 2);
  let random = seed;
  for (let i = 0; i < frames; i++) {
    random = (random * 1103515245 + 12345) >>> 0;
    const envelope = 0.5 + 0.5 * Math.sin((2 * Math.PI * i) / 8000);
    samples[2 * i] = Math.round(envelope * (6000 * Math.sin((2 * Math.PI * 180 * i) / 16000) + 2000 * Math.sin((2 * Math.PI * 720 * i) / 16000)) + ((random >>> 16) % 200) - 100);
    samples[2 * i + 1] = Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / 16000));
  }
  return new Uint8Array(samples.buffer);
}

/** `batches` sealed as a recording (the last one closing it), header included. */
async function encrypt(recipient: RecordingPublicKey, batches: Uint8Array<ArrayBuffer>[]): Promise<{ file: Uint8Array<ArrayBuffer>; headerBytes: number; chunkEnds: number[] }> {
  const sealer = new ChunkSealer(recipient, 16000, 2);
  const parts = [sealer.header];
  for (const [i, batch] of batches.entries()) parts.push(await sealer.seal(batch, i === batches.length - 1));
  const file = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  const chunkEnds: number[] = [];
  let at = 0;
  for (const part of parts) {
    file.set(part, at);
    at += part.length;
    chunkEnds.push(at);
  }
  return { file, headerBytes: chunkEnds[0]!, chunkEnds: chunkEnds.slice(1) };
}

/** Decrypts `file` fed in pieces of `piece` bytes (as a file is read); the samples and where it stopped. */
async function decrypt(privateKey: RecordingPrivateKey, file: Uint8Array, piece = 4096): Promise<{ samples: Uint8Array; end: DecryptionEnd }> {
  const decryptor = new RecordingDecryptor(privateKey, "test.wav.enc");
  const out: Uint8Array[] = [];
  for (let at = 0; at < file.length; at += piece) out.push(...await decryptor.push(file.slice(at, at + piece)));
  const end = decryptor.end();
  return { samples: Uint8Array.from(out.flatMap((part) => [...part])), end };
}

/** The error `run` throws or rejects with. */
async function errorOf(run: () => unknown): Promise<{ code?: string; message: string }> {
  try {
    await run();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("it did not throw");
}

const batches = [audio(250, 1), audio(250, 2), audio(130, 3), new Uint8Array(0)];
const plain = Uint8Array.from(batches.flatMap((batch) => [...batch]));

for (const [name, keys] of [["RSA-OAEP", rsa], ["X25519", x25519]] as const) {
  test(`a recording encrypted for an ${name} public key decrypts with its private key to the same samples, read in any pieces, complete`, async () => {
    const { file } = await encrypt(keys.publicKey, batches);
    for (const piece of [1, 7, 4096, file.length]) {
      const { samples, end } = await decrypt(keys.privateKey, file, piece);
      assert.equal(samples, plain, `pieces of ${piece} bytes`);
      assert.equal(end, { chunks: 4, complete: true, droppedBytes: 0 });
    }
  });
}

test("the stored bytes carry no plaintext audio: about 8 bits of entropy per byte, against well under 8 for the plain WAV of the same audio", async () => {
  const long = audio(4000);
  const { file } = await encrypt(rsa.publicKey, [long.subarray(0, 64000), long.subarray(64000), new Uint8Array(0)]);
  const wav = new Uint8Array([...wavHeader(16000, 2, long.length), ...long]);
  const stored = entropy(file);
  const unencrypted = entropy(wav);
  console.log(`entropy: encrypted ${stored.toFixed(4)} bits/byte, plain WAV ${unencrypted.toFixed(4)} bits/byte (${file.length} bytes)`);
  assert.ok(stored > 7.99, `encrypted: ${stored}`);
  assert.ok(unencrypted < 7.5, `plain: ${unencrypted}`);
  // Not one 32-byte run of the samples is found in the file.
  const text = Buffer.from(file).toString("latin1");
  for (let at = 0; at + 32 <= long.length; at += 4000) assert.is(text.indexOf(Buffer.from(long.subarray(at, at + 32)).toString("latin1")), -1, `samples at byte ${at}`);
});

test("the wrong private key is refused with both fingerprints named, before any audio is decrypted", async () => {
  const { file } = await encrypt(rsa.publicKey, batches);
  for (const other of [testKeyPair("rsa").privateKey, x25519.privateKey]) {
    const error = await errorOf(() => decrypt(other, file));
    assert.is(error.code, "PARLEY_ERR_RECORDING_WRONG_KEY");
    assert.match(error.message, fingerprintText(rsa.publicKey.fingerprint));
    assert.match(error.message, fingerprintText(other.fingerprint));
  }
});

test("a truncated recording decrypts up to its last whole chunk and says it is incomplete: cut inside a chunk, or after one", async () => {
  const { file, chunkEnds } = await encrypt(x25519.publicKey, batches);
  const cutInside = await decrypt(x25519.privateKey, file.subarray(0, chunkEnds[1]! + 1000));
  assert.equal(cutInside.samples, plain.subarray(0, batches[0]!.length + batches[1]!.length));
  assert.equal(cutInside.end, { chunks: 2, complete: false, droppedBytes: 1000 });
  const cutBetween = await decrypt(x25519.privateKey, file.subarray(0, chunkEnds[2]));
  assert.equal(cutBetween.samples.length, batches[0]!.length + batches[1]!.length + batches[2]!.length);
  assert.equal(cutBetween.end, { chunks: 3, complete: false, droppedBytes: 0 });
  const cutInHeader = await errorOf(() => decrypt(x25519.privateKey, file.subarray(0, 30)));
  assert.is(cutInHeader.code, "PARLEY_ERR_RECORDING_DAMAGED");
  assert.match(cutInHeader.message, "ends inside its header");
});

test("an altered byte, chunks swapped, a chunk from another recording or bytes after the last chunk are refused as damaged", async () => {
  const { file, headerBytes, chunkEnds } = await encrypt(rsa.publicKey, batches);
  const altered = file.slice();
  altered[chunkEnds[0]! + 100]! ^= 1;
  const first = file.subarray(headerBytes, chunkEnds[0]);
  const second = file.subarray(chunkEnds[0], chunkEnds[1]);
  const swapped = new Uint8Array([...file.subarray(0, headerBytes), ...second, ...first, ...file.subarray(chunkEnds[1])]);
  const other = (await encrypt(rsa.publicKey, batches)).file;
  const spliced = new Uint8Array([...file.subarray(0, chunkEnds[0]), ...other.subarray(other.length - (file.length - chunkEnds[0]!))]);
  const extra = new Uint8Array([...file, 0, 0, 0, 0, 0, 0]);
  for (const [what, bytes] of [["altered", altered], ["swapped", swapped], ["spliced", spliced], ["trailing bytes", extra]] as const) {
    const error = await errorOf(() => decrypt(rsa.privateKey, bytes));
    assert.is(error.code, "PARLEY_ERR_RECORDING_DAMAGED", `${what}: ${error.message}`);
  }
});

test("a plain WAV, or any other file, is not an encrypted recording, and says so", async () => {
  const wav = await errorOf(() => decrypt(rsa.privateKey, new Uint8Array([...wavHeader(16000, 2, 4), 1, 2, 3, 4])));
  assert.is(wav.code, "PARLEY_ERR_RECORDING_NOT_ENCRYPTED");
  assert.match(wav.message, "plain WAV");
  const other = await errorOf(() => decrypt(rsa.privateKey, new TextEncoder().encode("hello, world")));
  assert.is(other.code, "PARLEY_ERR_RECORDING_NOT_ENCRYPTED");
});

test("keys that cannot wrap recording keys are refused with a coded error: a short RSA key, an EC key, a public key to decrypt, not PEM", async () => {
  const short = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }) as string;
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }) as string;
  for (const [run, says] of [
    [() => recordingPublicKey(short), "too short"],
    [() => recordingPublicKey(ec), "RSA or X25519"],
    [() => recordingPrivateKey(x25519.publicPem), "public key"],
    [() => recordingPublicKey("not a key"), "not a PEM public key"],
  ] as const) {
    const error = await errorOf(run);
    assert.is(error.code, "PARLEY_ERR_RECORDING_KEY");
    assert.match(error.message, says);
  }
});

test.run();
