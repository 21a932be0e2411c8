import { JitterBuffer } from "../../media/jitter-buffer.ts";
import { speechOpusPackets } from "../speech-packets.ts";
import type { BenchSuite } from "../suite.ts";

/** The jitter buffer's common case: one in-order packet pushed and released to its sink at once. */
export function jitterBufferSuite(): BenchSuite {
  const payload = speechOpusPackets(0.02)[0]!;
  let released = 0;
  const buffer = new JitterBuffer<Uint8Array>({ maxDelayMs: 40 }, {
    packet: (_seq, _timestamp, packet) => {
      released += packet.length;
    },
    lost: () => {
      throw new Error("the in-order jitter buffer benchmark lost a packet");
    },
  });
  let n = 0;
  return {
    name: "jitter buffer",
    cases: [{
      name: "jitter.push-release",
      batch: 256,
      run: () => {
        buffer.push(n & 0xffff, (n * 960) >>> 0, payload, n * 20);
        n++;
        return released;
      },
    }],
  };
}
