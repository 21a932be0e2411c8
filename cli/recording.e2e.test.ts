// `parley recording decrypt` as an operator runs it: the command in its own process (tsx under
// Node, `deno run` under Deno), on recordings written as the plugin writes them.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readWav, wavHeader } from "../media/wav.ts";
import { testKeyPair, writeEncryptedRecording } from "../plugins/recording/testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "parley-decrypt-"));
test.after(() => rmSync(folder, { recursive: true, force: true }));

/** Runs `parley <args>`; resolves with its exit status and output. */
function parley(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const runtime = "Deno" in globalThis ? ["run", "-A", "cli/parley.ts"] : ["--import", "tsx", "cli/parley.ts"];
  const child = spawn(process.execPath, [...runtime, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

const keys = testKeyPair("rsa");
const keyFile = join(folder, "private.pem");
writeFileSync(keyFile, keys.privatePem);
const ramp = (from: number, count: number) => Int16Array.from({ length: count }, (_, i) => (from + i) % 30000);
/** Two 250 ms batches of stereo 16 kHz. */
const batches = [ramp(0, 8000), ramp(8000, 8000)];

test("decrypt writes the playable WAV beside the recording (or where -o says) and says what it holds", async () => {
  const recording = join(folder, "call-1.wav.enc");
  await writeEncryptedRecording(recording, keys.publicKey, 16000, batches);
  const run = await parley("recording", "decrypt", "--key", keyFile, recording);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, "0.50 s, 2 channels at 16000 Hz, from 3 chunks");
  assert.is(run.stderr, "");
  const wav = readWav(new Uint8Array(readFileSync(join(folder, "call-1.wav"))));
  assert.equal([...wav.samples], [...ramp(0, 16000)]);
  const elsewhere = join(folder, "elsewhere.wav");
  assert.is((await parley("recording", "decrypt", `--key=${keyFile}`, "-o", elsewhere, recording)).status, 0);
  assert.ok(existsSync(elsewhere));
});

test("decrypt with the wrong key fails with status 1, naming both keys, and writes nothing", async () => {
  const recording = join(folder, "call-2.wav.enc");
  await writeEncryptedRecording(recording, keys.publicKey, 16000, batches);
  const otherKey = join(folder, "other.pem");
  writeFileSync(otherKey, testKeyPair("rsa").privatePem);
  const run = await parley("recording", "decrypt", "--key", otherKey, recording);
  assert.is(run.status, 1);
  assert.match(run.stderr, /The recording is encrypted for the key sha256:[0-9a-f]{64}; this private key is sha256:[0-9a-f]{64} \(PARLEY_ERR_RECORDING_WRONG_KEY\)/);
  assert.not.ok(existsSync(join(folder, "call-2.wav")));
});

test("decrypt of a plain WAV fails with status 1: not an encrypted recording", async () => {
  const plain = join(folder, "plain.wav");
  writeFileSync(plain, wavHeader(16000, 2, 0));
  const run = await parley("recording", "decrypt", "--key", keyFile, plain, "-o", join(folder, "plain-out.wav"));
  assert.is(run.status, 1);
  assert.match(run.stderr, "is not an encrypted Parley recording (it is a plain WAV file: nothing to decrypt) (PARLEY_ERR_RECORDING_NOT_ENCRYPTED)");
});

test("decrypt of a truncated recording writes every whole chunk and warns that it is truncated", async () => {
  const recording = join(folder, "call-3.wav.enc");
  await writeEncryptedRecording(recording, keys.publicKey, 16000, batches, true);
  truncateSync(recording, readFileSync(recording).length - 100);
  const run = await parley("recording", "decrypt", "--key", keyFile, recording);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stderr, "is truncated: it ends after chunk 1 without the recording's last chunk");
  assert.match(run.stderr, "the 15921 bytes of an incomplete chunk");
  assert.equal([...readWav(new Uint8Array(readFileSync(join(folder, "call-3.wav")))).samples], [...ramp(0, 8000)]);
});

test("wrong usage gets status 2 and the usage; a missing key file or a public key status 1 with what is wrong", async () => {
  const noKey = await parley("recording", "decrypt", join(folder, "x.wav.enc"));
  assert.is(noKey.status, 2);
  assert.match(noKey.stderr, "--key <private.pem> is required");
  assert.match(noKey.stderr, "Usage: parley recording decrypt");
  const missing = await parley("recording", "decrypt", "--key", join(folder, "missing.pem"), join(folder, "x.wav.enc"));
  assert.is(missing.status, 1);
  assert.match(missing.stderr, "missing.pem");
  const publicKeyFile = join(folder, "public.pem");
  writeFileSync(publicKeyFile, keys.publicPem);
  const publicKey = await parley("recording", "decrypt", "--key", publicKeyFile, join(folder, "x.wav.enc"));
  assert.is(publicKey.status, 1);
  assert.match(publicKey.stderr, "this is a public key: decrypting takes the private key (PARLEY_ERR_RECORDING_KEY)");
});

test.run();
