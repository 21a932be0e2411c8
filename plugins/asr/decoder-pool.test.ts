import { test } from "uvu";
import * as assert from "uvu/assert";
import { DecoderPool } from "./decoder-pool.ts";

type Kind = "dictation" | "plain";

/** A decoder that only remembers whether it was freed. */
class FakeDecoder {
  freed = false;
  constructor(readonly kind: Kind) {}
  free(): void {
    this.freed = true;
  }
}

function pool(options: { idleMs?: number; keep?: Partial<Record<Kind, number>> } = {}) {
  const clock = { ms: 0 };
  const built: FakeDecoder[] = [];
  const decoders = new DecoderPool<Kind, FakeDecoder>((kind) => {
    const decoder = new FakeDecoder(kind);
    built.push(decoder);
    return decoder;
  }, { idleMs: options.idleMs ?? 60_000, keep: options.keep, now: () => clock.ms });
  return { decoders, clock, built };
}

test("a released decoder serves the next utterance of its kind; another kind gets its own", () => {
  const { decoders, built } = pool();
  const first = decoders.acquire("plain");
  decoders.release(first);
  assert.is(decoders.acquire("plain"), first);
  assert.is.not(decoders.acquire("dictation"), first);
  assert.is(built.length, 2);
});

test("calls coming and going under steady load build as many decoders as run at once, not one per call", () => {
  const { decoders, clock, built } = pool();
  // 200 calls, 6 utterances at once at the peaks and 2 in the troughs, a turn every few seconds:
  // the old pool (4 idle at most, the rest freed at once) rebuilt a decoder for most of them.
  const running: FakeDecoder[] = [];
  for (let call = 0; call < 200; call++) {
    const target = call % 10 < 5 ? 6 : 2;
    while (running.length < target) running.push(decoders.acquire("plain"));
    while (running.length > target) decoders.release(running.pop()!);
    clock.ms += 3_000;
    decoders.trim();
  }
  assert.is(built.length, 6);
  assert.is(built.filter((decoder) => decoder.freed).length, 0);
  assert.equal(decoders.stats(), { built: 6, freed: 0, idle: 4 });
});

test("decoders idle for idleMs are freed, down to the ones kept warm", () => {
  const { decoders, clock, built } = pool({ idleMs: 60_000, keep: { dictation: 1 } });
  const held = [decoders.acquire("dictation"), decoders.acquire("dictation"), decoders.acquire("plain")];
  for (const decoder of held) decoders.release(decoder);
  clock.ms = 59_999;
  assert.is(decoders.trim(), 0);
  clock.ms = 60_000;
  assert.is(decoders.trim(), 2);
  // The most recently released dictation decoder is the one kept.
  assert.equal(built.map((decoder) => decoder.freed), [true, false, true]);
  assert.equal(decoders.stats(), { built: 3, freed: 2, idle: 1 });
});

test("a decoder used again is idle from its new release, not its first", () => {
  const { decoders, clock } = pool({ idleMs: 1_000 });
  const decoder = decoders.acquire("plain");
  decoders.release(decoder);
  clock.ms = 900;
  decoders.release(decoders.acquire("plain"));
  clock.ms = 1_500;
  assert.is(decoders.trim(), 0);
  clock.ms = 1_900;
  assert.is(decoders.trim(), 1);
  assert.ok(decoder.freed);
});

test.run();
