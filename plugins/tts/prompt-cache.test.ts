import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame } from "../../media/mod.ts";
import { MAX_PROMPT_SECONDS, PromptCache } from "./prompt-cache.ts";

function frames(seconds: number, rate = 8000): AudioFrame[] {
  return Array.from({ length: seconds * 50 }, (_, seq) => ({ samples: new Int16Array(rate / 50).fill(seq), sampleRate: rate, timestamp: seq * 20, seq }));
}

test("a text spoken with other settings is another entry", () => {
  const key = PromptCache.key("espeak-ng", undefined, undefined, "Hello.");
  assert.is.not(key, PromptCache.key("espeak-ng", "en-us", undefined, "Hello."));
  assert.is.not(key, PromptCache.key("espeak-ng", undefined, 200, "Hello."));
  assert.is.not(key, PromptCache.key("flite", undefined, undefined, "Hello."));
});

test("keeps a synthesis with its word marks and gives it back as one clip", () => {
  const cache = new PromptCache(1024 * 1024);
  cache.set("a", frames(1), [{ offset: 0, length: 5, audioMs: 10 }]);
  const prompt = cache.get("a")!;
  assert.equal([prompt.clip.durationMs, prompt.clip.sampleRate, prompt.words.length], [1000, 8000, 1]);
  assert.is(cache.get("b"), undefined);
});

test("drops the least recently used once over its memory, and never keeps what is too long to be a prompt", () => {
  const oneSecond = 8000 * 2;
  const cache = new PromptCache(2.5 * oneSecond);
  cache.set("a", frames(1), []);
  cache.set("b", frames(1), []);
  cache.get("a");
  cache.set("c", frames(1), []);
  assert.equal([!!cache.get("a"), !!cache.get("b"), !!cache.get("c")], [true, false, true]);
  const roomy = new PromptCache(1e9);
  roomy.set("long", frames(MAX_PROMPT_SECONDS + 1), []);
  assert.is(roomy.size, 0);
});

test("a synthesis under way is shared: those who wait get the kept prompt, or undefined when it was dropped", async () => {
  const cache = new PromptCache(1e9);
  const first = cache.recording("hello");
  const waiting = cache.pending("hello");
  assert.ok(waiting, "announced");
  first.keep(frames(1), []);
  assert.is((await waiting)?.clip.durationMs, 1000);
  assert.is(cache.pending("hello"), undefined, "no longer under way");
  const failed = cache.recording("bye");
  const waitingForFailed = cache.pending("bye")!;
  failed.drop();
  assert.is(await waitingForFailed, undefined);
  assert.is(cache.get("bye"), undefined);
});

test.run();
