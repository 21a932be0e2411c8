// A worker's decoders share its language model and dictionary (pocketsphinx-decoder.ts
// SharedModels): they must hear exactly what decoders that load their own hear, for far less memory.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resample, speechClip } from "../testing.ts";
import type { AsrResult, AsrSearch } from "./AsrEngine.ts";
import { digitStrings } from "./conformance.ts";
import { digitsGrammar } from "./grammars.ts";
import { DEFAULT_MODEL_DIR } from "./pocketsphinx-engine.ts";
import { PocketsphinxDecoder, SharedModels } from "./pocketsphinx-decoder.ts";
import { LIBRARY_NAMES, loadPocketsphinx, type PocketsphinxLibrary } from "./pocketsphinx-library.ts";
import type { DecoderKind, PocketsphinxWorkerConfig } from "./pocketsphinx-protocol.ts";
import { releaseFreedMemory } from "../../core/release-memory.ts";
import { pocketsphinxInstalled } from "./test-calls.ts";

const modelDir = process.env.PARLEY_POCKETSPHINX_MODEL ?? DEFAULT_MODEL_DIR;
const config: PocketsphinxWorkerConfig = {
  acousticModel: join(modelDir, "en-us"),
  dictionary: join(modelDir, "cmudict-en-us.dict"),
  languageModel: join(modelDir, "en-us.lm.bin"),
  libraries: { ...LIBRARY_NAMES },
  partialIntervalMs: 200,
  secondPass: false,
  warmDecoders: [],
  niceness: 0,
};

/** One utterance through `decoder`, as the worker runs it (from the model's line estimate). */
function decode(decoder: PocketsphinxDecoder, search: AsrSearch, samples: Int16Array): AsrResult {
  decoder.use(search);
  decoder.setCmnMean();
  decoder.start();
  for (let at = 0; at < samples.length; at += 320) decoder.process(samples.subarray(at, at + 320));
  return decoder.finish();
}

/** The results of `inputs` on a decoder that loads everything itself and on one given `shared`. */
function bothWays(lib: PocketsphinxLibrary, shared: SharedModels, kind: DecoderKind, search: AsrSearch, inputs: Int16Array[]) {
  const own = new PocketsphinxDecoder(lib, config, kind);
  const sharing = new PocketsphinxDecoder(lib, config, kind, shared);
  try {
    return { own: inputs.map((samples) => decode(own, search, samples)), sharing: inputs.map((samples) => decode(sharing, search, samples)) };
  } finally {
    own.free();
    sharing.free();
  }
}

function rssMb(): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;
}

let cached: { lib: PocketsphinxLibrary; shared: SharedModels } | undefined;

/** The library and the shared models, loaded on first use; null after skipping the test when pocketsphinx is missing. */
function pocketsphinx(): { lib: PocketsphinxLibrary; shared: SharedModels } | null {
  if (!pocketsphinxInstalled()) return null;
  if (!cached) {
    const lib = loadPocketsphinx();
    cached = { lib, shared: new SharedModels(lib, config) };
  }
  return cached;
}

test("a decoder beyond the first costs a few MB, not a dictionary and a language model of its own", () => {
  const loaded = pocketsphinx();
  if (!loaded) return;
  const { lib, shared } = loaded;
  // First in this file, before other tests free decoders whose memory glibc could hand out again.
  // Built once so the shared models and the library's own first allocations are not counted.
  new PocketsphinxDecoder(lib, config, "dictation", shared).free();
  new PocketsphinxDecoder(lib, config, "plain", shared).free();
  const perDecoder = (kind: DecoderKind) => {
    // Memory freed before is given back first, or new decoders could reuse it unseen.
    releaseFreedMemory();
    const before = rssMb();
    const decoders = Array.from({ length: 3 }, () => new PocketsphinxDecoder(lib, config, kind, shared));
    const mb = (rssMb() - before) / decoders.length;
    for (const decoder of decoders) decoder.free();
    return mb;
  };
  // Measured: 6 MB (27 with the whole dictionary) and 58 MB (91 with a model of its own).
  const plain = perDecoder("plain");
  const dictation = perDecoder("dictation");
  assert.ok(plain < 12, `a grammar decoder took ${plain.toFixed(1)} MB`);
  assert.ok(dictation < 70, `a dictation decoder took ${dictation.toFixed(1)} MB`);
});

test("a grammar decoder given only its grammar's words hears digit strings exactly as one with the whole dictionary", async () => {
  const loaded = pocketsphinx();
  if (!loaded) return;
  const { lib, shared } = loaded;
  const strings = await digitStrings(2, 4, 7);
  if (!strings) return;
  const inputs = strings.slice(0, 6).map((s) => resample(s.samples, s.sampleRate, 16000));
  const { own, sharing } = bothWays(lib, shared, "plain", { type: "grammar", jsgf: digitsGrammar() }, inputs);
  assert.equal(sharing, own);
  assert.ok(own.some((result) => result.words.length > 0), "the strings were heard at all");
});

test("keyword spotting on the shared dictionary finds what it finds on the whole one", () => {
  const loaded = pocketsphinx();
  if (!loaded) return;
  const { lib, shared } = loaded;
  const clip = speechClip("goforward.wav");
  if (!clip) return;
  const search: AsrSearch = { type: "keywords", keywords: [{ phrase: "forward" }, { phrase: "ten meters" }] };
  const { own, sharing } = bothWays(lib, shared, "plain", search, [resample(clip.samples, clip.sampleRate, 16000)]);
  assert.equal(sharing, own);
  assert.ok(own[0]!.text.includes("forward"));
});

test("dictation on the worker's shared language model hears the speech set exactly as on a model of its own", () => {
  const loaded = pocketsphinx();
  if (!loaded) return;
  const { lib, shared } = loaded;
  const clips = ["goforward.wav", "cards-001.wav", "jfk.wav"].map(speechClip);
  if (clips.some((clip) => !clip)) return;
  const { own, sharing } = bothWays(lib, shared, "dictation", { type: "dictation" }, clips.map((clip) => resample(clip!.samples, clip!.sampleRate, 16000)));
  assert.equal(sharing, own);
  assert.ok(own.every((result) => result.words.length > 0));
});

test("a word no dictionary has is still refused, by name", () => {
  const loaded = pocketsphinx();
  if (!loaded) return;
  const { lib, shared } = loaded;
  const decoder = new PocketsphinxDecoder(lib, config, "plain", shared);
  try {
    assert.throws(() => decoder.use({ type: "grammar", jsgf: "#JSGF V1.0;\ngrammar g;\npublic <a> = yes | zorglubble;\n" }), (error: Error) => /unknown_word|zorglubble/.test(`${(error as { reason?: string }).reason} ${error.message}`));
  } finally {
    decoder.free();
  }
});

test.run();
