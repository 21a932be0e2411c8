import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioEncoder } from "../media/codec.ts";
import type { AudioFrame } from "../media/frame.ts";
import { AudioClip } from "./AudioClip.ts";
import { OpusDecoder, OpusEncoder, VOICE_CALL_OPUS } from "./opus.ts";
import { type Playback, type PlaybackResult, Player } from "./Player.ts";
import { encodeFrame } from "./shared-encodings.ts";

function tone(rate: number, ms: number): Int16Array {
  return Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
}

/** An encoder that counts its work and names a profile, as Opus does. */
function countingEncoder(profile: string | undefined): AudioEncoder & { calls: number } {
  return { sampleRate: 8000, profile, calls: 0, encode(samples) {
    this.calls++;
    return Uint8Array.of(samples.length & 0xff);
  } };
}

test("a clip is cut into an output format once: the same frames every time, the last padded with silence", () => {
  const clip = new AudioClip(tone(8000, 50), 8000);
  const frames = clip.framesFor(8000, 160);
  assert.is(frames.length, 3);
  assert.is(frames[2].length, 160);
  assert.ok(frames[2].subarray(80).every((sample) => sample === 0), "padding is silence");
  assert.is(clip.framesFor(8000, 160), frames, "the same arrays the next time");
  assert.is(clip.framesFor(48000, 960).length, 3, "resampled: 50 ms at 48 kHz is three 20 ms frames");
});

test("a clip from frames keeps them in order and refuses mixed rates", () => {
  const frames: AudioFrame[] = [0, 1].map((seq) => ({ samples: new Int16Array(160).fill(seq + 1), sampleRate: 8000, timestamp: seq * 20, seq }));
  const clip = AudioClip.fromFrames(frames);
  assert.equal([clip.samples[0], clip.samples[160], clip.durationMs], [1, 2, 40]);
  assert.throws(() => AudioClip.fromFrames([frames[0], { ...frames[1], sampleRate: 16000 }]), /one rate/);
});

test("a clip's frames are encoded once per encoder profile, whatever the number of calls that send them", () => {
  const [frame] = new AudioClip(tone(8000, 20), 8000).framesFor(8000, 160);
  const first = countingEncoder("p");
  const second = countingEncoder("p");
  const other = countingEncoder("q");
  const withoutProfile = countingEncoder(undefined);
  for (const encoder of [first, second, other, withoutProfile, withoutProfile]) encodeFrame(encoder, frame);
  assert.equal([first.calls, second.calls, other.calls, withoutProfile.calls], [1, 0, 1, 2]);
  const unshared = tone(8000, 20);
  encodeFrame(first, unshared);
  encodeFrame(second, unshared);
  assert.equal([first.calls, second.calls], [2, 1], "frames of a live stream are never shared");
});

test("another call's Opus packets of a clip decode as the clip on a stream that carried other speech before", () => {
  const [spoken, prompt] = [tone(48000, 200), new AudioClip(tone(48000, 400), 48000)];
  const promptFrames = prompt.framesFor(48000, 960);
  const firstCall = new OpusEncoder(48000, VOICE_CALL_OPUS);
  for (const frame of promptFrames) encodeFrame(firstCall, frame);
  const secondCall = new OpusEncoder(48000, VOICE_CALL_OPUS);
  const decoder = new OpusDecoder(48000);
  for (let start = 0; start < spoken.length; start += 960) decoder.decode(secondCall.encode(spoken.subarray(start, start + 960)));
  const decoded = promptFrames.map((frame) => decoder.decode(encodeFrame(secondCall, frame)));
  const energy = (samples: Int16Array) => Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
  const last = decoded.at(-1)!;
  assert.ok(Math.abs(energy(last) - energy(promptFrames.at(-1)!)) < 0.25 * energy(promptFrames.at(-1)!), `${energy(last)} vs ${energy(promptFrames.at(-1)!)}`);
});

test("the player sends a clip's own frames (no copy), for its whole length", async () => {
  const player = new Player(8000, 160, { started: (_: Playback) => {}, finished: (_: Playback, _r: PlaybackResult) => {}, sourceError: () => {} });
  const clip = new AudioClip(tone(8000, 60), 8000);
  const playback = player.play(clip);
  const sent: (Int16Array | null)[] = [];
  for (let tick = 0; tick < 5 && sent.at(-1) !== null; tick++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    sent.push(player.next());
  }
  assert.equal(sent.slice(0, 3), [...clip.framesFor(8000, 160)]);
  assert.ok(sent.slice(0, 3).every((frame, i) => frame === clip.framesFor(8000, 160)[i]), "the same arrays");
  assert.equal(await playback.done, { cancelled: false, playedMs: 60 });
});

test.run();
