import { parseRtpPacket, serializeRtpPacket } from "../../media/rtp.ts";
import { speechOpusPackets, speechPcmuPayloads } from "../speech-packets.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

/** Parses a rotating set of real packets of one codec, returning a field of each so the parse is used. */
function parseCase(name: string, payloadType: number, payloads: readonly Uint8Array[]): BenchCase {
  const packets = payloads.map((payload, i) =>
    serializeRtpPacket({ payloadType, sequenceNumber: i, timestamp: i * 960, ssrc: 0x5eed, marker: i === 0, payload })
  );
  let next = 0;
  return {
    name,
    batch: 256,
    run: () => parseRtpPacket(packets[next++ % packets.length]!).payload.length,
  };
}

/** RTP header parsing of an Opus and a PCMU packet (views over the input, no copy). */
export function rtpParseSuite(): BenchSuite {
  return {
    name: "rtp parse",
    cases: [
      parseCase("rtp.parse.opus", 111, speechOpusPackets(1)),
      parseCase("rtp.parse.pcmu", 0, speechPcmuPayloads(1)),
    ],
  };
}
