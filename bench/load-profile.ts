// The server a `bench:load` run measures, per profile (load-args.ts): the bare media core, the
// default plugin set as `npm start` runs it, or the recogniser alone; a latency probe on every call.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type ParleyServer, type Plugin } from "../core/mod.ts";
import { useDefaultPlugins } from "../examples/default-plugins.ts";
import { DEFAULT_INTENTS, intentGrammar } from "../examples/voicebot/mod.ts";
import { type AsrEngine, createAsrPlugin, createPocketsphinxEngine, missingPocketsphinx } from "../plugins/asr/mod.ts";
import { recording } from "../plugins/recording/mod.ts";
import { vad } from "../plugins/vad/mod.ts";
import { isAsrCall, onlyWhere } from "./load-asr.ts";
import type { LoadOptions } from "./load-args.ts";
import { latencyProbe, type StreamArrivals } from "./latency-probe.ts";
import { silentAsrEngine } from "./silent-asr-engine.ts";

/** An engine the bench can ask what it holds (pocketsphinx's stats, or what the silent engine was given). */
export type InspectableEngine = AsrEngine & { stats(): object };

/** A load run's server and the recogniser it runs, if any. */
export interface LoadServer {
  server: ParleyServer;
  engine?: InspectableEngine;
  /** Releases what the run made beside the server (the engine, the voiceprint folder); after `server.close()`. */
  dispose(): Promise<void>;
}

/** The default plugins' voice activity setting (examples/default-plugins.ts), which the recognizer profile runs too. */
const VAD_OPTIONS = { minSilenceMs: 350 };

async function pocketsphinx(options: Pick<LoadOptions, "asrWorkers" | "asrNiceness"> = {}): Promise<InspectableEngine> {
  const missing = missingPocketsphinx();
  if (missing) throw new Error(`the recogniser needs pocketsphinx: ${missing}`);
  return await createPocketsphinxEngine({ workers: options.asrWorkers, niceness: options.asrNiceness });
}

/**
 * `server` as useDefaultPlugins sees it, registering only the plugins named in `keep`: the default
 * set added a few plugins at a time, to tell what each costs. (A plugin whose dependency was left
 * out fails to register, with the server's own error.)
 */
function registeringOnly(server: ParleyServer, keep: readonly string[]): ParleyServer {
  const view: ParleyServer = new Proxy(server, {
    get(target, key) {
      if (key !== "use") {
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (plugin: Plugin<unknown>, pluginOptions?: Partial<unknown>) => {
        if (keep.includes(plugin.name)) target.use(plugin, pluginOptions);
        return view;
      };
    },
  });
  return view;
}

/** Creates the server of `options.profile` on `ports`, with the latency probe recording into `streams`. */
export async function createLoadServer(options: LoadOptions, ports: string, streams: Map<number, StreamArrivals>): Promise<LoadServer> {
  const server = createServer({
    http: { port: 0, host: "127.0.0.1" },
    rtp: { ports, bindAddress: "127.0.0.1", symmetric: true, timeoutSeconds: 60 },
    webrtc: { interfaces: ["127.0.0.1"], edge: options.webrtcEdge },
  });
  let engine: InspectableEngine | undefined;
  let voiceprints: string | undefined;
  if (options.profile === "default") {
    engine = options.engine === "stub" ? silentAsrEngine() : await pocketsphinx();
    voiceprints = mkdtempSync(join(tmpdir(), "parley-load-voiceprints-"));
    useDefaultPlugins(options.plugins ? registeringOnly(server, options.plugins) : server, { voiceprints, asrEngine: engine });
  } else if (options.profile === "recognizer") {
    engine = await pocketsphinx(options);
    const search = options.asrSearch === "grammar" ? { type: "grammar" as const, jsgf: intentGrammar(DEFAULT_INTENTS) } : { type: "dictation" as const };
    server.use(vad, VAD_OPTIONS).use(createAsrPlugin(engine), { search });
  } else if (options.asr > 0) {
    // Recognition on the extra calls only: the plain calls stay the bare media core.
    engine = await pocketsphinx(options);
    server.use(onlyWhere(vad, isAsrCall)).use(onlyWhere(createAsrPlugin(engine), isAsrCall));
  }
  const recordings = options.record ? mkdtempSync(join(tmpdir(), "parley-load-recordings-")) : undefined;
  if (recordings) server.use(recording, { directory: recordings });
  // Last, so its frames arrive after every plugin before it has had them.
  server.use(latencyProbe(streams));
  return {
    server,
    engine,
    async dispose() {
      await engine?.close();
      for (const folder of [voiceprints, recordings]) if (folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}
