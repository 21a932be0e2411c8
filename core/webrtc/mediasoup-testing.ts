// For tests that run on the mediasoup edge: they skip (fail under PARLEY_STRICT=1) where its worker
// is not built, and wait for it while scripts/mediasoup/build-worker.sh is building it (CI builds it
// beside the first tests).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { skipUnless } from "../test-skip.ts";

/** The longest a test waits for a worker being built. */
const BUILD_WAIT_MS = 20 * 60_000;

/** True while the build script named in node_modules/.mediasoup-build.pid is running. */
function building(): boolean {
  const file = join(import.meta.dirname ?? ".", "../../node_modules/.mediasoup-build.pid");
  if (!existsSync(file)) return false;
  try {
    process.kill(Number(readFileSync(file, "utf8")), 0);
    return true;
  } catch {
    return false; // A build that was killed left its file behind.
  }
}

/** Resolves once no build of mediasoup's worker is under way (at most 20 minutes); the test runner waits so before the files that need the machine to themselves. */
export async function mediasoupBuildDone(): Promise<void> {
  const until = Date.now() + BUILD_WAIT_MS;
  if (building()) console.log("waiting for mediasoup's worker to be built");
  while (building() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 2000));
}

/** True when mediasoup's worker is built (waiting for a build under way); otherwise skips the running test (see `skip`). */
export async function requireMediasoup(): Promise<boolean> {
  const { mediasoupWorker } = await import("./mediasoup-edge.ts");
  await mediasoupBuildDone();
  const worker = mediasoupWorker();
  return skipUnless(worker.built, `mediasoup's worker is not built (${worker.path}): sh scripts/mediasoup/build-worker.sh`);
}
