// For tests that run on the mediasoup edge: they skip (fail under PARLEY_STRICT=1) where its worker is not built.
import { skipUnless } from "../test-skip.ts";

/** True when mediasoup's worker is built; otherwise skips the running test (see `skip`). */
export async function requireMediasoup(): Promise<boolean> {
  const { mediasoupWorker } = await import("./mediasoup-edge.ts");
  const worker = mediasoupWorker();
  return skipUnless(worker.built, `mediasoup's worker is not built (${worker.path}): sh scripts/mediasoup/build-worker.sh`);
}
