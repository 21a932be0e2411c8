import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Observable } from "rxjs";
import { defineEvents, definePlugin, type EventTypes, Type } from "../../core/mod.ts";

/** The console plugin's event. */
export const CONSOLE_EVENTS = defineEvents({
  /** The caller's loudness over the last interval, for live meters. */
  "audio.level": Type.Object({ dbfs: Type.Number(), peak: Type.Number() }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof CONSOLE_EVENTS> {}
}

/** A running RMS and peak over the frames added since the last `take`: no frame is kept. */
export class LevelMeter {
  #energy = 0;
  #count = 0;
  #peak = 0;

  /** Adds one frame's samples. */
  add(samples: Int16Array): void {
    let energy = 0;
    let peak = this.#peak;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      energy += s * s;
      if (s > peak) peak = s;
      else if (-s > peak) peak = -s;
    }
    this.#energy += energy;
    this.#count += samples.length;
    this.#peak = peak;
  }

  /** RMS in dBFS (floored at -90) and peak as a fraction of full scale since the last take; starts over. */
  take(): { dbfs: number; peak: number } {
    const rms = this.#count ? Math.sqrt(this.#energy / this.#count) / 32768 : 0;
    const level = { dbfs: Math.max(-90, Math.round(20 * Math.log10(rms + 1e-9) * 10) / 10), peak: Math.round((this.#peak / 32768) * 1000) / 1000 };
    this.#energy = 0;
    this.#count = 0;
    this.#peak = 0;
    return level;
  }
}

/**
 * The live console: a web page at `/` listing sessions with their audio level, each session's
 * events as a timeline, charts of key metrics, and a Call button that calls in by WHIP from the
 * browser's microphone; and the call history at `/console/history` (recorded calls with the
 * period's KPIs, each call's scorecard, its stereo recording and the transcript following it).
 * It adds `audio.level` events (every `levelIntervalMs`) for the meters.
 */
export const consolePlugin = definePlugin({
  name: "console",
  version: "1.0.0",
  options: Type.Object({
    /** How often each session's `audio.level` is emitted, ms. */
    levelIntervalMs: Type.Integer({ minimum: 100, maximum: 10000, default: 500 }),
  }, { additionalProperties: false }),
  setup(context, options) {
    const folder = import.meta.dirname ?? "plugins/console";
    const security = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; media-src 'self' blob:";
    const serve = (path: string, name: string, file: string, type: string, summary: string) => {
      const body = readFileSync(join(folder, file));
      context.route("GET", path, () => new Response(body, { headers: { "content-type": type, "cache-control": "no-cache", "content-security-policy": security } }), {
        access: "public", name, doc: { summary, responses: { "200": { description: summary, content: { [type.split(";")[0]!]: { type: "string" } } } } },
      });
    };
    // The pages hold no data: every call they make to the API carries the token typed into them.
    serve("/", "console", "page.html", "text/html; charset=utf-8", "The live console (a web page)");
    serve("/console/history", "console-history", "history.html", "text/html; charset=utf-8", "The call history: recorded calls with their KPIs, scorecard, stereo player and transcript (a web page)");
    const frames = Math.max(1, Math.round(options.levelIntervalMs / 20));
    // 16 kHz, the rate the speech plugins ask for: the level costs no decode or resampling of its
    // own. The meter sums as frames pass instead of holding an interval's frames.
    return (session) =>
      new Observable<{ type: "audio.level"; dbfs: number; peak: number }>((subscriber) => {
        const meter = new LevelMeter();
        let count = 0;
        return session.audio(16000).subscribe((frame) => {
          meter.add(frame.samples);
          if (++count < frames) return;
          count = 0;
          subscriber.next({ type: "audio.level", ...meter.take() });
        });
      });
  },
});
