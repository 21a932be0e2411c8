import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type SessionEvent } from "../core/mod.ts";
import { http, metricTotal } from "../core/testing.ts";
import { deadAir } from "./dead-air.ts";

test("the one-file plugin: dead air becomes an event, a metric and a count on its route; an unknown session is its own coded 404", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" } }).use(deadAir, { silenceMs: 1000 });
  try {
    const { port } = await server.listen();
    const session = server.openSession(
      { transport: "test", codec: "pcmu", sampleRate: 8000, decodableRates: [8000], outputRate: 8000, frameSamples: 160 },
      () => ({ outputRate: 8000, frameSamples: 160, sendFrame() {}, async close() {} }),
    );
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => void events.push(event));
    const loud = new Int16Array(160).fill(3000);
    for (let i = 0; i < 10; i++) session.fanout.push(loud, 8000, i * 20);
    for (let i = 10; i < 80; i++) session.fanout.push(new Int16Array(160), 8000, i * 20);
    const deadAirs = events.filter((event) => event.type === "dead_air");
    assert.is(deadAirs.length, 1, "one event per silence");
    assert.is(deadAirs[0]!.source, "dead-air");
    const { sinceMs } = deadAirs[0] as { sinceMs: number };
    assert.ok(sinceMs >= 200 && sinceMs <= 240, `silence from the end of the speech (the resampler's tail aside): ${sinceMs}`);
    assert.is(await metricTotal(server.metrics.registry, "parley_dead_air_total"), 1);
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await http(base, `/v1/dead-air/${session.id}`)).json(), { sessionId: session.id, deadAir: 1 });
    const unknown = await http(base, "/v1/dead-air/nobody");
    assert.equal([unknown.status, unknown.json<{ error: { code: string } }>().error.code], [404, "PARLEY_ERR_DEAD_AIR_UNKNOWN_SESSION"]);
  } finally {
    await server.close();
  }
});

test.run();
