// When a recorded call ends: at its hang-up, not when session.ended comes (later, when a plugin
// still finishes work on the caller's last words through Session.finishing).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type SessionEvent } from "../../core/mod.ts";
import { waitFor } from "../../core/testing.ts";
import type { RecordingDocument } from "./document.ts";
import { recording } from "./plugin.ts";

test("a recording ends at the call's hang-up even when session.ended is held back by work still finishing", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recording-end-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46780-46789" }, logLevel: "silent" }).use(recording, { directory });
  try {
    await server.listen();
    const { session } = await server.rtp.open({ codec: "pcmu" });
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => events.push(event));
    // A recogniser still busy with the last words holds the session's end back for a second.
    session.finishing(new Promise((done) => setTimeout(done, 1000)));
    await session.hangup();
    const closed = await session.closed;
    const path = join(directory, `${session.id}.json`);
    await waitFor(() => existsSync(path), 10000, "the recording's document");
    const document = JSON.parse(readFileSync(path, "utf8")) as RecordingDocument;
    const hungUpAt = session.info.startedAt + closed.durationMs;
    const ended = events.find((event) => event.type === "session.ended")!;
    assert.ok(ended.ts > hungUpAt, "session.ended came after the hang-up (the work held it back)");
    assert.is(document.end, hungUpAt);
    assert.is(document.durationMs, closed.durationMs);
    assert.equal(document.participants[0]!.presence, [{ joinedAt: document.start, leftAt: hungUpAt, reason: "hangup" }]);
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
