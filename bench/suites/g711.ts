import { PcmuDecoder } from "../../media/g711.ts";
import { speechPcmuPayloads } from "../speech-packets.ts";
import type { BenchSuite } from "../suite.ts";

/** PCMU decoding of one 20 ms payload (160 bytes), as the ingest path does it. */
export function g711Suite(): BenchSuite {
  const payloads = speechPcmuPayloads(1);
  const decoder = new PcmuDecoder();
  let next = 0;
  return {
    name: "g711",
    cases: [{
      name: "g711.decode.160",
      batch: 64,
      run: () => decoder.decode(payloads[next++ % payloads.length]!).length,
    }],
  };
}
