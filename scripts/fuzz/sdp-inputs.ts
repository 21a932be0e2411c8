// Hostile SDP offers for POST /v1/rtp and POST /whip: a valid offer, then lines dropped,
// repeated, swapped for garbage, or with their numbers pushed to the edges (port 0, 65535, 65536,
// payload types past 127, rates of zero).
import type { Rng } from "../../media/signal-test-utils.ts";
import { chance, int, nastyText, pick } from "../../media/fuzz-random.ts";

const EDGE_NUMBERS = ["0", "1", "-1", "65535", "65536", "99999", "4294967296", "1e3", "0x10", "", "NaN", "007"];

/** A plain RTP offer as a SIP gateway sends it (the Parley side of a call from `port`). */
function rtpOffer(rng: Rng): string[] {
  const port = pick(rng, ["40000", String(int(rng, 1024, 65535)), ...EDGE_NUMBERS]);
  const lines = ["v=0", `o=- ${int(rng, 0, 1e9)} 1 IN IP4 127.0.0.1`, "s=fuzz", `c=IN IP4 ${pick(rng, ["127.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "::1", "example.invalid", "999.1.1.1"])}`, "t=0 0",
    `m=audio ${port} RTP/AVP ${pick(rng, ["0", "8", "111", "0 8 101", "96", "300", "0 0 0", ""])}`, "a=rtpmap:111 opus/48000/2", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15"];
  if (chance(rng, 0.4)) lines.push("a=rtcp-mux");
  if (chance(rng, 0.3)) lines.push(`a=rtcp:${pick(rng, EDGE_NUMBERS)}`);
  if (chance(rng, 0.3)) lines.push(`a=ptime:${pick(rng, EDGE_NUMBERS)}`);
  lines.push(pick(rng, ["a=sendrecv", "a=recvonly", "a=sendonly", "a=inactive"]));
  return lines;
}

/** A WebRTC offer of the shape browsers send (ICE credentials, fingerprint, candidates). */
function webrtcOffer(rng: Rng): string[] {
  const address = pick(rng, ["127.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.251", "10.255.255.255", "::", "ff02::1", "not-an-address"]);
  return ["v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0", "a=msid-semantic: WMS",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 126", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0", `a=ice-ufrag:${pick(rng, ["Fz1a", "", nastyText(rng, 4)])}`,
    "a=ice-pwd:fuzzfuzzfuzzfuzzfuzzfuzz", `a=fingerprint:sha-256 ${pick(rng, ["AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", "??", ""])}`,
    `a=setup:${pick(rng, ["actpass", "active", "passive", "holdconn", ""])}`, "a=mid:0", "a=sendrecv", "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:0 PCMU/8000", "a=rtpmap:126 telephone-event/8000",
    `a=candidate:1 1 udp ${int(rng, 0, 2 ** 31)} ${address} ${pick(rng, EDGE_NUMBERS)} typ ${pick(rng, ["host", "srflx", "relay", "bogus"])}`];
}

/** One hostile SDP offer, for the plain RTP endpoint or WHIP. */
export function hostileSdp(rng: Rng, kind: "rtp" | "webrtc"): string {
  const lines = kind === "rtp" ? rtpOffer(rng) : webrtcOffer(rng);
  for (let edits = int(rng, 0, 3); edits > 0; edits--) {
    const at = int(rng, 0, lines.length - 1);
    switch (int(rng, 0, 5)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, lines[at]!);
        break;
      case 2:
        lines[at] = nastyText(rng, int(rng, 0, 40));
        break;
      case 3:
        lines[at] = lines[at]!.replace(/\d+/, pick(rng, EDGE_NUMBERS));
        break;
      case 4:
        lines[at] = `${lines[at]}${"x".repeat(int(rng, 100, 3000))}`;
        break;
      default:
        lines.push(`a=${nastyText(rng, int(rng, 0, 30))}`);
    }
  }
  return lines.join(pick(rng, ["\r\n", "\r\n", "\n", "\r"])) + (chance(rng, 0.8) ? "\r\n" : "");
}
