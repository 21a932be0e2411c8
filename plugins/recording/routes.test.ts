// The recordings API on a real server: who sees what, the list filters, Range downloads, deletes,
// and retention, over recordings written into the folder as the plugin writes finished ones.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, definePlugin } from "../../core/mod.ts";
import { buildDocument } from "./document.ts";
import type { JournalEntry } from "./journal.ts";
import { recording } from "./plugin.ts";
import { parseRange } from "./routes.ts";
import { sweepExpired } from "./retention.ts";

const ADMIN = "admin-token-0123456789";
const SUPERVISOR = "supervisor-token-0123456789";
const DAY = 24 * 60 * 60 * 1000;

/** Writes a finished recording as the plugin leaves one: a WAV-sized audio file and its document. */
function writeRecording(directory: string, id: string, start: number, events: Record<string, unknown>[]): Uint8Array {
  const entries: JournalEntry[] = [
    { kind: "start", at: start, id, sampleRate: 16000, transport: "rtp", codec: "pcmu", metadata: {} } as JournalEntry,
    ...events.map((event) => ({ kind: "event", at: start + 1000, event: { ts: start + 1000, ...event } }) as JournalEntry),
    { kind: "end", at: start + 60000, reason: "hangup" } as JournalEntry,
  ];
  const audio = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7 + id.length) & 0xff);
  writeFileSync(join(directory, `${id}.wav`), audio);
  writeFileSync(join(directory, `${id}.json`), JSON.stringify(buildDocument(entries, { audioFile: `${id}.wav`, audioMs: 60000, complete: true })));
  return audio;
}

/** A stand-in for the routing plugin's agent tokens (unit test only). */
const agentTokens = definePlugin({
  name: "agent-tokens",
  version: "1.0.0",
  setup(context) {
    context.addTokenResolver((token) => (token === "agent-ann-token" ? { role: "agent", agentId: "ann" } : undefined));
  },
});

test("parseRange: whole files, open and closed ranges, suffixes, and ranges past the end", () => {
  assert.is(parseRange(null, 100), undefined);
  assert.is(parseRange("bytes=0-9,20-29", 100), undefined, "several ranges: the whole file");
  assert.equal(parseRange("bytes=10-19", 100), { start: 10, end: 19 });
  assert.equal(parseRange("bytes=90-", 100), { start: 90, end: 99 });
  assert.equal(parseRange("bytes=90-500", 100), { start: 90, end: 99 });
  assert.equal(parseRange("bytes=-5", 100), { start: 95, end: 99 });
  assert.is(parseRange("bytes=100-", 100), "unsatisfiable");
  assert.is(parseRange("bytes=20-10", 100), "unsatisfiable");
});

test("the recordings API: staff list and filter all, an agent sees only calls they answered, audio downloads with Range, staff delete", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recordings-api-"));
  const now = Date.now();
  const bot = writeRecording(directory, "call-bot", now - 3 * DAY, [{ type: "voicebot.intent", intent: "balance" }]);
  writeRecording(directory, "call-ann", now - 2 * DAY, [{ type: "route.request" }, { type: "queue.entered", queueId: "sales" }, { type: "queue.answered", queueId: "sales", agentId: "ann", waitMs: 900 }]);
  writeRecording(directory, "call-gone", now - DAY, [{ type: "queue.entered", queueId: "support" }, { type: "queue.abandoned", queueId: "support", waitMs: 30000, position: 1 }]);
  // A recording in progress: audio and journal, no document yet.
  writeFileSync(join(directory, "call-live.wav"), new Uint8Array(44));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "error", auth: { tokens: [ADMIN], supervisorTokens: [SUPERVISOR] } })
    .use(agentTokens).use(recording, { directory });
  try {
    const base = `http://127.0.0.1:${(await server.listen()).port}`;
    const get = (path: string, token: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    const ids = async (path: string, token: string) => ((await (await get(path, token)).json()) as { recordings: { id: string }[] }).recordings.map((r) => r.id);

    assert.equal(await ids("/v1/recordings", SUPERVISOR), ["call-bot", "call-ann", "call-gone"], "oldest first; the one in progress is not listed");
    assert.equal(await ids("/v1/recordings?queue=sales", ADMIN), ["call-ann"]);
    assert.equal(await ids("/v1/recordings?agent=ann", ADMIN), ["call-ann"]);
    assert.equal(await ids("/v1/recordings?disposition=abandoned", ADMIN), ["call-gone"]);
    assert.equal(await ids("/v1/recordings?disposition=bot", ADMIN), ["call-bot"]);
    assert.equal(await ids(`/v1/recordings?from=${now - 2.5 * DAY}&to=${new Date(now - 1.5 * DAY).toISOString()}`, ADMIN), ["call-ann"]);
    assert.is((await get("/v1/recordings?from=yesterday", ADMIN)).status, 400);
    assert.is((await get("/v1/recordings?disposition=lost", ADMIN)).status, 400);
    assert.is((await fetch(`${base}/v1/recordings`)).status, 401, "no token, no list");

    assert.equal(await ids("/v1/recordings", "agent-ann-token"), ["call-ann"], "an agent lists the calls they answered");
    assert.is((await get("/v1/recordings/call-bot", "agent-ann-token")).status, 404, "and cannot read another call");
    assert.is((await get("/v1/recordings/call-bot/audio", "agent-ann-token")).status, 404);
    assert.is((await get("/v1/recordings/call-ann", "agent-ann-token")).status, 200);
    assert.is((await get("/v1/recordings/call-live", ADMIN)).status, 404, "a recording in progress is not served");
    assert.is((await get("/v1/recordings/..%2Fetc", ADMIN)).status, 404);

    const whole = await get("/v1/recordings/call-bot/audio", ADMIN);
    assert.is(whole.status, 200);
    assert.is(whole.headers.get("accept-ranges"), "bytes");
    assert.equal(new Uint8Array(await whole.arrayBuffer()), bot);
    const part = await get("/v1/recordings/call-bot/audio", ADMIN, { range: "bytes=1000-1099" });
    assert.is(part.status, 206);
    assert.is(part.headers.get("content-range"), "bytes 1000-1099/4000");
    assert.equal(new Uint8Array(await part.arrayBuffer()), bot.subarray(1000, 1100));
    const past = await get("/v1/recordings/call-bot/audio", ADMIN, { range: "bytes=4000-" });
    assert.is(past.status, 416);
    assert.is(past.headers.get("content-range"), "bytes */4000");

    assert.is((await fetch(`${base}/v1/recordings/call-ann`, { method: "DELETE", headers: { authorization: "Bearer agent-ann-token" } })).status, 403, "agents do not delete");
    assert.is((await fetch(`${base}/v1/recordings/call-bot`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } })).status, 204);
    assert.is((await get("/v1/recordings/call-bot", ADMIN)).status, 404);
    assert.equal(await ids("/v1/recordings", ADMIN), ["call-ann", "call-gone"]);
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test("retention deletes finished recordings that ended more than the given days ago, audio and document, and nothing in progress", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recordings-retention-"));
  try {
    const now = Date.now();
    writeRecording(directory, "old", now - 10 * DAY, []);
    writeRecording(directory, "recent", now - DAY, []);
    writeFileSync(join(directory, "live.wav"), new Uint8Array(44));
    utimesSync(join(directory, "live.wav"), new Date(now - 20 * DAY), new Date(now - 20 * DAY));
    assert.equal(await sweepExpired(directory, 7, now), ["old"]);
    assert.throws(() => readFileSync(join(directory, "old.wav")));
    assert.throws(() => readFileSync(join(directory, "old.json")));
    assert.ok(readFileSync(join(directory, "recent.wav")).length > 0);
    assert.ok(readFileSync(join(directory, "live.wav")).length > 0, "a recording without its document is never swept");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
