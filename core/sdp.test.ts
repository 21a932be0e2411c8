import { test } from "uvu";
import * as assert from "uvu/assert";
import { ParleyError } from "./errors.ts";
import { parseSdpOffer, writeSdpAnswer } from "./sdp.ts";

const OFFER = [
  "v=0",
  "o=- 1 1 IN IP4 10.0.0.5",
  "s=call",
  "c=IN IP4 10.0.0.5",
  "t=0 0",
  "m=audio 30000 RTP/AVP 111 0 101",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 minptime=10;useinbandfec=1",
  "a=rtpmap:101 telephone-event/8000",
  "a=ptime:20",
  "a=rtcp-mux",
  "a=sendrecv",
].join("\r\n");

test("an offer yields address, port, formats in order, and options", () => {
  const offer = parseSdpOffer(OFFER);
  assert.is(offer.address, "10.0.0.5");
  assert.is(offer.port, 30000);
  assert.equal(offer.formats.map((f) => f.name), ["opus", "pcmu", "telephone-event"]);
  assert.is(offer.formats[0].fmtp, "minptime=10;useinbandfec=1");
  assert.is(offer.formats[1].clockRate, 8000);
  assert.ok(offer.rtcpMux);
  assert.is(offer.ptime, 20);
});

test("a media-level c= line wins over the session-level one", () => {
  const offer = parseSdpOffer(OFFER.replace("a=ptime:20", "c=IN IP4 10.0.0.9\r\na=ptime:20"));
  assert.is(offer.address, "10.0.0.9");
});

function errorOf(text: string): ParleyError {
  try {
    parseSdpOffer(text);
  } catch (error) {
    return error as ParleyError;
  }
  throw new Error("no error");
}

test("malformed offers are rejected with the reason", () => {
  assert.match(errorOf("hello").message, /v=0/);
  assert.match(errorOf("v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 1 RTP/AVP 96").message, /no m=audio/);
  assert.match(errorOf("v=0\r\nm=audio 99999 RTP/AVP 0\r\nc=IN IP4 1.2.3.4").message, /bad port/);
  assert.match(errorOf("v=0\r\nm=audio 4000 RTP/AVP 0").message, /no c=/);
  assert.match(errorOf("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 UDP/TLS 0").message, /unsupported transport/);
  assert.is(errorOf("v=0\r\nnonsense").code, "PARLEY_ERR_BAD_SDP");
});

test("the answer mirrors direction and carries codec, events and rtcp-mux", () => {
  const answer = writeSdpAnswer({
    address: "127.0.0.1",
    port: 40000,
    format: { payloadType: 0, name: "pcmu", clockRate: 8000, channels: 1 },
    telephoneEvent: { payloadType: 101, name: "telephone-event", clockRate: 8000, channels: 1 },
    rtcpMux: false,
    direction: "sendonly",
    sessionId: "x",
  });
  assert.match(answer, "m=audio 40000 RTP/AVP 0 101\r\n");
  assert.match(answer, "a=rtpmap:0 PCMU/8000\r\n");
  assert.match(answer, "a=rtpmap:101 telephone-event/8000\r\n");
  assert.match(answer, "a=rtcp:40001\r\n");
  assert.match(answer, "a=recvonly\r\n");
  const reparsed = parseSdpOffer(answer);
  assert.is(reparsed.port, 40000);
});

test.run();
