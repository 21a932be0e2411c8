import { test } from "uvu";
import * as assert from "uvu/assert";
import { SpeechGate } from "./speech-gate.ts";

test("a frame may be speech when it is above the minimum level and the smaller margin above the floor", () => {
  const gate = new SpeechGate(20, { floorWindowMs: 100, initialFloorDb: -60, marginDb: 9, unvoicedMarginDb: 18, minimumLevelDb: -55 });
  assert.ok(gate.admit(-50), "before a whole window the floor is the initial -60");
  for (let i = 0; i < 4; i++) gate.admit(-50);
  assert.not.ok(gate.admit(-50), "steady noise is the floor");
  assert.not.ok(gate.admit(-42), "8 dB above the floor");
  assert.ok(gate.admit(-41), "9 dB above the floor");
});

test("quiet frames are never speech, however far above the floor", () => {
  const gate = new SpeechGate(20);
  for (let i = 0; i < 300; i++) gate.admit(-100);
  assert.not.ok(gate.admit(-56));
  assert.ok(gate.admit(-54));
});

test.run();
