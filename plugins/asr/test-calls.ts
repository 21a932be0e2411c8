// Test helpers of the asr plugin's tests: a server with calls from PCMU peers, speech said on a
// call, a fake engine that fails on demand, and the pocketsphinx install check. Test code only.
import { createServer, type Logger, type ParleyServer, type Session, type SessionEvent } from "../../core/mod.ts";
import { requireNothingMissing, waitFor } from "../../core/testing.ts";
import { RtpTestPeer } from "../testing.ts";
import { type AsrEngine, AsrError, type AsrStreamOptions } from "./AsrEngine.ts";
import { missingPocketsphinx } from "./pocketsphinx-engine.ts";

/** One call to a test server: its session, the peer sending it PCMU, every event it emitted. */
export interface Call {
  server: ParleyServer;
  session: Session;
  peer: RtpTestPeer;
  events: SessionEvent[];
}

/** Runs `run` with a listening server that has `plugins`, on RTP ports `ports`; closes it afterwards. */
export async function withServer(ports: string, plugins: (server: ParleyServer) => void, run: (server: ParleyServer) => Promise<void>, logger?: Logger): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports, symmetric: false }, logger });
  plugins(server);
  try {
    await server.listen();
    await run(server);
  } finally {
    await server.close();
  }
}

/** Opens a PCMU call on `server`, recording its events; close its peer when done. */
export async function openCall(server: ParleyServer): Promise<Call> {
  const { session, port } = await server.rtp.open({ codec: "pcmu" });
  const events: SessionEvent[] = [];
  session.events$.subscribe((event) => events.push(event));
  return { server, session, peer: new RtpTestPeer(port), events };
}

/** Runs `run` with one call on a server that has `plugins`. */
export function withCall(ports: string, plugins: (server: ParleyServer) => void, run: (call: Call) => Promise<void>, logger?: Logger): Promise<void> {
  return withServer(ports, plugins, async (server) => {
    const call = await openCall(server);
    try {
      await run(call);
    } finally {
      await call.peer.close();
    }
  }, logger);
}

/** The call's events of one type. */
export const ofType = <T extends SessionEvent["type"]>(events: SessionEvent[], type: T) => events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

/** Says `samples` (16 kHz) between silences and waits for `count` events of `type` in all; `gapMs` 20 sends in real time. */
export async function say(call: Call, samples: Int16Array, type: SessionEvent["type"], count = 1, gapMs = 2): Promise<void> {
  await call.peer.sendSilence(400);
  await call.peer.send(samples, 16000, gapMs);
  await call.peer.sendSilence(800);
  await waitFor(() => call.events.filter((e) => e.type === type).length >= count, 20000, `${count} ${type} event(s)`);
}

/** True when pocketsphinx can run; otherwise prints SKIP (or throws under PARLEY_STRICT=1). */
export function pocketsphinxInstalled(): boolean {
  return requireNothingMissing(missingPocketsphinx());
}

/** A fake engine: the text of a result is how many ms of audio it got; `failAt` makes the n-th stream fail mid-utterance. */
export function countingEngine(failAt = 0): AsrEngine {
  let streams = 0;
  return {
    name: "counting",
    sampleRate: 16000,
    open(options: AsrStreamOptions) {
      if (options.search.type === "grammar" && options.search.jsgf === "bad") return Promise.reject(new AsrError("bad_search", "grammar does not parse"));
      const index = ++streams;
      let samples = 0;
      let failed: AsrError | undefined;
      return Promise.resolve({
        write(chunk: Int16Array) {
          samples += chunk.length;
          if (index === failAt && !failed && samples >= 16000) {
            failed = new AsrError("engine_crashed", "the fake engine crashed");
            options.onError?.(failed);
          }
        },
        finish: () => (failed ? Promise.reject(failed) : Promise.resolve({ text: `${Math.round(samples / 16)} ms`, words: [], confidence: 1, final: true })),
        cancel() {},
      });
    },
    close: () => Promise.resolve(),
  };
}
