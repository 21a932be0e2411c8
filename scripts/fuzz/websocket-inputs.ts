// Hostile WebSocket media messages for /v1/media-stream (JSON, base64 mu-law) and /v1/audio-fork
// (a JSON header, then binary L16): valid messages with wrong fields, garbage, and audio of odd
// sizes and bad encodings.
import { randomBytes, type Rng } from "../../media/signal-test-utils.ts";
import { chance, int, nastyText, pick } from "../../media/fuzz-random.ts";

const EVENTS = ["connected", "start", "media", "mark", "clear", "dtmf", "stop", "unknown", "", "__proto__"];

/** A value of any JSON type, sometimes deeply nested. */
function anyJson(rng: Rng, depth = 0): unknown {
  switch (int(rng, 0, depth > 3 ? 4 : 6)) {
    case 0:
      return null;
    case 1:
      return pick(rng, [0, -1, 1e308, 8000, 16000, 65536, 0.5]);
    case 2:
      return nastyText(rng, int(rng, 0, 20));
    case 3:
      return chance(rng, 0.5);
    case 4:
      return "";
    case 5:
      return Array.from({ length: int(rng, 0, 4) }, () => anyJson(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(rng, 0, 4) }, () => [pick(rng, ["event", "media", "payload", "start", "sampleRate", "metadata", "digit", "x"]), anyJson(rng, depth + 1)]));
  }
}

/** A base64 payload: valid mu-law of some length, or broken base64. */
function payload(rng: Rng): string {
  if (chance(rng, 0.2)) return nastyText(rng, int(rng, 0, 50));
  return Buffer.from(randomBytes(rng, pick(rng, [0, 1, 159, 160, 161, int(rng, 0, 4000)]))).toString("base64");
}

/** One message for the JSON media-stream endpoint. */
export function hostileMediaStreamMessage(rng: Rng): string | Uint8Array {
  switch (int(rng, 0, 9)) {
    case 0:
      return randomBytes(rng, int(rng, 0, 500));
    case 1:
      return nastyText(rng, int(rng, 0, 200));
    case 2:
      return JSON.stringify(anyJson(rng));
    case 3:
      return JSON.stringify({ event: "start", start: { mediaFormat: { encoding: pick(rng, ["audio/x-mulaw", "audio/x-alaw", "", 7]), sampleRate: pick(rng, [8000, 16000, 0, -1]), channels: pick(rng, [1, 2, 0]) }, customParameters: anyJson(rng) } });
    case 4:
      return JSON.stringify({ event: "dtmf", dtmf: { digit: pick(rng, ["1", "#", "*", "A", "x", "", 5, null]) } });
    case 5:
      return JSON.stringify({ event: pick(rng, ["mark", "clear", "stop"]), mark: anyJson(rng) });
    default:
      return JSON.stringify({ event: chance(rng, 0.9) ? "media" : pick(rng, EVENTS), media: { payload: payload(rng), track: pick(rng, ["inbound", "outbound", 3]) } });
  }
}

/** One message for the audio-fork endpoint: its JSON header, control messages or L16 audio. */
export function hostileAudioForkMessage(rng: Rng): string | Uint8Array {
  switch (int(rng, 0, 7)) {
    case 0:
      return JSON.stringify({ sampleRate: pick(rng, [8000, 16000, 44100, 0, "8000", null]), metadata: anyJson(rng) });
    case 1:
      return JSON.stringify({ event: pick(rng, ["clear", "stop", "start", "", 1]) });
    case 2:
      return nastyText(rng, int(rng, 0, 100));
    default:
      return randomBytes(rng, pick(rng, [0, 1, 319, 320, 321, 640, int(rng, 0, 8000)]));
  }
}

/** The first message of a well-behaved connection, so that later messages reach a live session. */
export function openingMessage(shape: "media-stream" | "audio-fork"): string {
  return shape === "media-stream"
    ? JSON.stringify({ event: "start", start: { streamSid: "fuzz", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } })
    : JSON.stringify({ sampleRate: 8000, metadata: { fuzz: "1" } });
}
