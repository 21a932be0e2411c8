// Hostile HTTP/1.1 requests, as raw bytes (so paths, framing and headers can be anything a socket
// can carry): every route of the API and the plugins, with paths bent out of shape, methods,
// tokens, content types and lengths that lie, and bodies of every kind the API reads.
import { concatBytes } from "../../media/bytes.ts";
import { randomBytes, type Rng, sine } from "../../media/signal-test-utils.ts";
import { writeWav } from "../../media/wav.ts";
import { chance, flipBits, int, nastyText, pick, weighted } from "../../media/fuzz-random.ts";
import { hostileSdp } from "./sdp-inputs.ts";

/** What the generator may name: the valid token and ids of sessions that exist. */
export interface HttpFuzzContext {
  token: string;
  sessionIds: readonly string[];
}

const ROUTES = ["/", "/healthz", "/metrics", "/v1/health", "/v1/sessions", "/v1/sessions/:id", "/v1/events", "/v1/rtp", "/whip", "/whip/:id",
  "/v1/media-stream", "/v1/audio-fork", "/v1/biometrics/voiceprints/:speaker", "/v1/biometrics/voiceprints/:speaker/verify"];
const METHODS = ["GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "get", "FUZZ", ""];
const TYPES = ["application/json", "application/sdp", "audio/wav", "application/trickle-ice-sdpfrag", "text/plain", "application/json; charset=utf-8",
  "APPLICATION/SDP", "multipart/form-data; boundary=x", "", "*/*", "application/json;;;;", "audio/x-wav; rate=8000"];

/** A path of the API, its ids real or not, sometimes bent: doubled slashes, bad escapes, dot segments, odd lengths. */
function path(rng: Rng, context: HttpFuzzContext): string {
  let route = pick(rng, ROUTES)
    .replace(":id", () => chance(rng, 0.5) && context.sessionIds.length > 0 ? pick(rng, context.sessionIds) : nastyText(rng, int(rng, 0, 40)))
    .replace(":speaker", () => pick(rng, ["alice", "..%2F..%2Fetc%2Fpasswd", "%", "", nastyText(rng, int(rng, 1, 30)), "a".repeat(int(rng, 200, 5000))]));
  switch (int(rng, 0, 9)) {
    case 0:
      route = `/${route}`;
      break;
    case 1:
      route = pick(rng, ["//", "//[", "*", "/%", "//%2F", "http://[::1", "http://x/v1/sessions", "", " ", "/\u0000"]);
      break;
    case 2:
      route += `/${nastyText(rng, int(rng, 0, 20))}`;
      break;
    case 3:
      route += `?${pick(rng, ["access_token=", `access_token=${context.token}`, "session=", "symmetric=false", "symmetric", nastyText(rng, 30), "a=1&".repeat(500)])}`;
      break;
    case 4:
      route = route.replace(/\//g, () => pick(rng, ["/", "//", "/./", "/../", "%2F"]));
      break;
  }
  // A request line cannot carry a raw line break; anything else goes.
  return route.replace(/[\r\n]/g, "");
}

/** The Authorization header: the valid token most of the time, else the ways clients get it wrong. */
function authorization(rng: Rng, token: string): string | undefined {
  return weighted(rng, [
    [70, `Bearer ${token}`],
    [8, undefined],
    [5, "Bearer wrong-token-000"],
    [3, "Bearer"],
    [3, `bearer   ${token}   `],
    [3, `Basic ${Buffer.from("a:b").toString("base64")}`],
    [3, `Bearer ${token}x`],
    [5, nastyText(rng, int(rng, 0, 60)).replace(/[\r\n\u0000]/g, "")],
  ] as const);
}

/** A small WAV file: valid speech-like audio at an odd rate, or one with its header bent. */
function wav(rng: Rng): Uint8Array {
  const rate = pick(rng, [8000, 16000, 44100, 1000, 96000]);
  const bytes = writeWav(sine(int(rng, 100, 1000), rate, int(rng, 0, rate * 2), 8000), rate);
  if (chance(rng, 0.5)) bytes.set(flipBits(rng, bytes.subarray(0, 64)));
  return bytes;
}

/** A JSON body for the API's JSON routes: plausible fields with values at the edges. */
function jsonBody(rng: Rng, context: HttpFuzzContext): string {
  if (chance(rng, 0.2)) return pick(rng, ["", "{", "null", "[]", "1", '"x"', "{}".repeat(100), '{"a":'.repeat(2000), nastyText(rng, 80)]);
  const edgePort = pick(rng, [0, 1, 1023, 5004, 40000, 65534, 65535, 65536, -1]);
  const fields: Record<string, unknown> = {
    codec: pick(rng, ["pcmu", "pcma", "opus", "l16", "PCMU", "g729", "", null, 7, ["pcmu"]]),
  };
  if (chance(rng, 0.5)) fields.remote = pick(rng, [`127.0.0.1:${edgePort}`, `[::1]:${edgePort}`, "255.255.255.255:5004", "224.0.0.1:5004", "0.0.0.0:5004", "host", `x:${edgePort}`, 12, null]);
  if (chance(rng, 0.3)) fields.symmetric = pick(rng, [true, false, "yes", 0, null]);
  if (chance(rng, 0.3)) fields.metadata = pick(rng, [{ caller: "+1555" }, [], null, "x", { ["a".repeat(1000)]: { nested: [1, 2] } }]);
  if (chance(rng, 0.2)) fields.sessionId = pick(rng, [...context.sessionIds, "nope", 5, null]);
  if (chance(rng, 0.1)) fields["__proto__"] = { polluted: true };
  return JSON.stringify(fields);
}

/** A trickle-ICE fragment: candidates, some of them to addresses that must never be checked. */
function trickleBody(rng: Rng): string {
  const address = () => pick(rng, ["127.0.0.1", "255.255.255.255", "224.0.0.1", "239.255.255.250", "0.0.0.0", "::", "ff02::1", "x.invalid", "10.0.0.1"]);
  const candidates = Array.from({ length: pick(rng, [0, 1, 3, int(rng, 10, 1500)]) }, (_, i) =>
    `a=candidate:${i} 1 udp ${int(rng, 0, 2 ** 31)} ${address()} ${int(rng, 0, 70000)} typ ${pick(rng, ["host", "srflx", "x"])}`);
  return ["a=ice-ufrag:Fz1a", "a=ice-pwd:fuzzfuzzfuzzfuzzfuzzfuzz", "m=audio 9 RTP/AVP 0", "a=mid:0", ...candidates, ""].join("\r\n");
}

/** A body for `type`, or bytes of no particular kind. */
function body(rng: Rng, type: string, context: HttpFuzzContext): Uint8Array {
  const text = (value: string) => new TextEncoder().encode(value);
  switch (type.split(";")[0]!.trim().toLowerCase()) {
    case "application/json":
      return text(jsonBody(rng, context));
    case "application/sdp":
      return text(hostileSdp(rng, chance(rng, 0.5) ? "rtp" : "webrtc"));
    case "audio/wav":
    case "audio/x-wav":
      return wav(rng);
    case "application/trickle-ice-sdpfrag":
      return text(trickleBody(rng));
    default:
      return chance(rng, 0.5) ? new Uint8Array(0) : randomBytes(rng, int(rng, 0, 3000));
  }
}

/** One hostile request, ready to write to a fresh connection (which it asks the server to close). */
export function hostileHttpRequest(rng: Rng, context: HttpFuzzContext): Uint8Array {
  const method = pick(rng, METHODS);
  const type = pick(rng, TYPES);
  const payload = ["GET", "HEAD"].includes(method) && chance(rng, 0.8) ? new Uint8Array(0) : body(rng, type, context);
  const headers: string[] = [`Host: ${pick(rng, ["127.0.0.1", "", "x".repeat(300), "[::1]:80"])}`, "Connection: close"];
  const auth = authorization(rng, context.token);
  if (auth !== undefined) headers.push(`Authorization: ${auth}`);
  if (type) headers.push(`Content-Type: ${type}`);
  let framed = payload;
  switch (int(rng, 0, 9)) {
    case 0:
      headers.push(`Content-Length: ${pick(rng, ["-1", "abc", "99999999999", String(payload.length + int(rng, 1, 100)), "1, 2", ""])}`);
      break;
    case 1: {
      headers.push("Transfer-Encoding: chunked");
      const chunk = new TextEncoder().encode(`${pick(rng, [payload.length.toString(16), "zz", "-1", "ffffffff"])}\r\n`);
      framed = concatBytes([chunk, payload, new TextEncoder().encode(chance(rng, 0.5) ? "\r\n0\r\n\r\n" : "")]);
      break;
    }
    case 2:
      headers.push(`X-Fuzz: ${"y".repeat(pick(rng, [100, 9000, 70000]))}`);
      break;
    case 3:
      for (let i = int(rng, 50, 300); i > 0; i--) headers.push(`X-${i}: ${i}`);
      headers.push(`Content-Length: ${payload.length}`);
      break;
    case 4:
      headers.push(`Content-Length: ${payload.length}`, `Content-Length: ${payload.length + 1}`);
      break;
    case 5:
      headers.push(nastyText(rng, int(rng, 1, 40)).replace(/[\r\n]/g, ""), `Content-Length: ${payload.length}`);
      break;
    default:
      headers.push(`Content-Length: ${payload.length}`);
  }
  const version = weighted(rng, [[90, "HTTP/1.1"], [4, "HTTP/1.0"], [3, "HTTP/2.0"], [3, "HTTX/1.1"]] as const);
  const head = new TextEncoder().encode(`${method} ${path(rng, context)} ${version}\r\n${headers.join("\r\n")}\r\n\r\n`);
  return concatBytes([head, framed]);
}
