import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "../../core/mod.ts";
import { consolePlugin, LevelMeter } from "./mod.ts";

function levelOf(...frames: Int16Array[]) {
  const meter = new LevelMeter();
  for (const frame of frames) meter.add(frame);
  return meter.take();
}

test("the level meter gives RMS in dBFS and peak of full scale", () => {
  assert.equal(levelOf(new Int16Array(160).fill(32767)), { dbfs: 0, peak: 1 });
  assert.equal(levelOf(Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 16384 : -16384))).dbfs, -6);
  assert.equal(levelOf(new Int16Array(160)), { dbfs: -90, peak: 0 });
});

test("the level spans every frame added since the last take, and take starts over", () => {
  const meter = new LevelMeter();
  meter.add(new Int16Array(160).fill(-32768));
  meter.add(new Int16Array(160));
  assert.equal(meter.take(), { dbfs: -3, peak: 1 }, "half the energy of full scale over both frames");
  meter.add(new Int16Array(160));
  assert.equal(meter.take(), { dbfs: -90, peak: 0 }, "the loud frame was forgotten");
});

test("the pages and the assets they share are served without a token, the pages under a content security policy that lets them play blob audio only", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "silent", auth: { tokens: ["admin-token-0123456789"] } }).use(consolePlugin);
  try {
    const base = `http://127.0.0.1:${(await server.listen()).port}`;
    for (const [path, type, text] of [["/", "text/html", "<title>Parley console</title>"], ["/console/history", "text/html", "<title>Parley call history</title>"], ["/assets/pages.css", "text/css", "--accent"], ["/assets/event-stream.js", "text/javascript", "readEventStream"]] as const) {
      const response = await fetch(`${base}${path}`);
      assert.is(response.status, 200, path);
      assert.ok(response.headers.get("content-type")!.startsWith(type), path);
      if (type === "text/html") assert.match(response.headers.get("content-security-policy")!, /media-src 'self' blob:/);
      assert.ok((await response.text()).includes(text), path);
    }
    assert.is((await fetch(`${base}/v1/sessions`)).status, 401, "the data behind the pages needs the token");
  } finally {
    await server.close();
  }
});

test.run();
