import { test } from "uvu";
import * as assert from "uvu/assert";
import { codecByName, codecForFormat } from "./codecs.ts";

test("SDP formats map to codecs with the offered payload type", () => {
  assert.is(codecForFormat({ name: "opus", clockRate: 48000, channels: 2, payloadType: 97 })?.payloadType, 97);
  assert.is(codecForFormat({ name: "pcma", clockRate: 8000, channels: 1, payloadType: 8 })?.name, "pcma");
  const l16 = codecForFormat({ name: "l16", clockRate: 16000, channels: 1, payloadType: 98 });
  assert.equal([l16?.clockRate, l16?.pcmRate, l16?.createDecoder(16000).sampleRate], [16000, 16000, 16000]);
});

test("formats Parley cannot decode are refused", () => {
  assert.is(codecForFormat({ name: "g729", clockRate: 8000, channels: 1, payloadType: 18 }), undefined);
  assert.is(codecForFormat({ name: "pcmu", clockRate: 16000, channels: 1, payloadType: 0 }), undefined);
  assert.is(codecForFormat({ name: "l16", clockRate: 44100, channels: 2, payloadType: 10 }), undefined);
});

test("codecs by name are case-insensitive; unknown names are a coded 400", () => {
  assert.is(codecByName("PCMU").name, "pcmu");
  assert.throws(() => codecByName("g729"), (e: Error & { code?: string; status?: number }) => e.code === "PARLEY_ERR_UNKNOWN_CODEC" && e.status === 400);
  assert.throws(() => codecByName(42), /Unknown codec 42/);
  assert.throws(() => codecByName("constructor"), /Unknown codec/);
});

test.run();
