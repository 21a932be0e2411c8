import { copyFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Voiceprint, voiceprintKey, VoiceprintStore } from "./voiceprint-store.ts";

function voiceprint(speakerId: string): Voiceprint {
  return {
    speakerId,
    model: "abc",
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
    speechMs: 12000,
    statistics: { counts: Float64Array.from([1.5, 2.5]), sums: Float64Array.from([0.1, -0.2, 0.3, 1e-9]), frames: 600 },
  };
}

/** The error `work` rejects with (fails the test if it resolves). */
async function rejection(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    return (error as Error).message;
  }
  assert.unreachable("expected a rejection");
  return "";
}

async function withFolder(work: (folder: string) => Promise<void>): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "parley-voiceprints-"));
  try {
    await work(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

test("a voiceprint saved without a key reads back exactly, and an unknown speaker reads as undefined", () => withFolder(async (folder) => {
  const store = new VoiceprintStore(folder);
  await store.save(voiceprint("caller/../../etc"));
  const loaded = await store.load("caller/../../etc");
  assert.equal({ ...loaded!, statistics: undefined }, { ...voiceprint("caller/../../etc"), statistics: undefined });
  assert.equal(Array.from(loaded!.statistics.sums), [0.1, -0.2, 0.3, 1e-9]);
  assert.is(await store.load("nobody"), undefined);
  const files = await readdir(folder);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^[0-9a-f]{40}\.voiceprint$/, "the id never becomes a path");
}));

test("with a key the file is encrypted, reads back with the key and fails with another", () => withFolder(async (folder) => {
  const store = new VoiceprintStore(folder, "correct horse battery staple");
  assert.ok(store.encrypted);
  await store.save(voiceprint("alice"));
  const [file] = await readdir(folder);
  const bytes = await readFile(join(folder, file!));
  assert.not.ok(bytes.toString("latin1").includes("alice"), "no plaintext on disk");
  assert.is((await store.load("alice"))!.speechMs, 12000);
  assert.match(await rejection(() => new VoiceprintStore(folder, "another passphrase").load("alice")), /wrong key/);
  assert.match(await rejection(() => new VoiceprintStore(folder).load("alice")), /encrypted and no key/);
}));

test("an encrypted voiceprint copied onto another speaker's name does not decrypt", () => withFolder(async (folder) => {
  const store = new VoiceprintStore(folder, "a".repeat(64));
  await store.save(voiceprint("alice"));
  const [aliceFile] = await readdir(folder);
  await store.save(voiceprint("mallory"));
  const malloryFile = (await readdir(folder)).find((name) => name !== aliceFile)!;
  await copyFile(join(folder, malloryFile), join(folder, aliceFile!));
  assert.match(await rejection(() => store.load("alice")), /could not be decrypted/);
}));

test("a plaintext voiceprint is refused once a key is configured", () => withFolder(async (folder) => {
  await new VoiceprintStore(folder).save(voiceprint("bob"));
  assert.match(await rejection(() => new VoiceprintStore(folder, "secret").load("bob")), /not encrypted/);
}));

test("delete removes a voiceprint and reports whether there was one", () => withFolder(async (folder) => {
  const store = new VoiceprintStore(folder);
  await store.save(voiceprint("carol"));
  assert.ok(await store.delete("carol"));
  assert.not.ok(await store.delete("carol"));
  assert.is(await store.load("carol"), undefined);
}));

test("keys: 64 hex digits and 32 base64 bytes are used as they are, passphrases are stretched", () => {
  assert.equal(Array.from(voiceprintKey("00".repeat(31) + "ff")).slice(-2), [0, 255]);
  assert.is(voiceprintKey(Buffer.alloc(32, 7).toString("base64"))[5], 7);
  assert.is(voiceprintKey("a passphrase").length, 32);
});

test.run();
