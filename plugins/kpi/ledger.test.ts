// The ledger's periods and memory, and the caller history's window, on a clock the test sets.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CallerHistory } from "./caller-history.ts";
import { KpiLedger } from "./ledger.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1);

test("a report counts the calls that ended within its period, and calls older than keepMs are forgotten", () => {
  const ledger = new KpiLedger({ serviceLevelSeconds: 20, keepMs: 2 * DAY });
  const call = (id: string, endedAt: number, handedOver: boolean) => {
    ledger.start(id, endedAt - 60_000);
    if (handedOver) ledger.observe(id, { type: "route.request" }, endedAt - 30_000);
    ledger.end(id, endedAt);
  };
  call("a", T0, false);
  call("b", T0 + DAY, true);
  call("c", T0 + 2 * DAY, false);
  assert.is(ledger.report(T0, T0 + 2 * DAY).calls, 3);
  assert.equal(ledger.report(T0 + DAY, T0 + DAY).outcomes, { contained: 0, transferred: 0, abandoned: 0, callback: 0, unanswered: 1 });
  call("d", T0 + 3 * DAY, false);
  // Kept: what ended within two days of the last call's end (b, c, d); a is gone.
  assert.is(ledger.report(0, T0 + 3 * DAY).calls, 3);
  assert.is(ledger.report(0, T0 + 3 * DAY).containmentRate, 2 / 3);
});

test("events of a session the ledger does not follow (an agent's leg) change no call; ending it twice counts it once", () => {
  const ledger = new KpiLedger({ serviceLevelSeconds: 20, keepMs: DAY });
  ledger.start("caller", T0);
  ledger.observe("agent-leg", { type: "queue.abandoned", queueId: "support", waitMs: 1000 }, T0);
  assert.is(ledger.end("caller", T0 + 1000), "contained");
  assert.is(ledger.end("caller", T0 + 2000), undefined);
  assert.is(ledger.report(0, T0 + DAY).calls, 1);
});

test("a call repeats one of the same caller within the window, not one before it; other callers do not count", () => {
  const history = new CallerHistory({ windowMs: 7 * DAY });
  assert.is(history.record("+15550001", T0), false);
  assert.is(history.record("+15550002", T0 + DAY), false);
  assert.is(history.record("+15550001", T0 + 6 * DAY), true);
  // Eight days after the last call of +15550002.
  assert.is(history.record("+15550002", T0 + 9 * DAY), false);
  assert.is(history.record("+15550001", T0 + 12 * DAY), true, "6 days after the call of day 6, though 12 after the first");
});

test("without a configured salt the history file keeps a random one, no digest a dictionary of numbers finds, and a restart still knows the callers", () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-kpi-"));
  const file = join(directory, "callers.json");
  try {
    assert.is(new CallerHistory({ windowMs: 7 * DAY, file }).record("+15550001", T0), false);
    const stored = JSON.parse(readFileSync(file, "utf8")) as { salt: string; calls: Record<string, number[]> };
    assert.match(stored.salt, /^[0-9a-f]{64}$/);
    const unsalted = createHash("sha256").update("\u0000+15550001").digest("hex");
    assert.equal(Object.keys(stored.calls).filter((key) => key === unsalted || key.includes("15550001")), []);
    assert.is(new CallerHistory({ windowMs: 7 * DAY, file }).record("+15550001", T0 + DAY), true, "the restarted history uses the file's salt");
    new CallerHistory({ windowMs: 7 * DAY, file: join(directory, "other.json") }).record("+15550001", T0);
    assert.is.not(JSON.parse(readFileSync(join(directory, "other.json"), "utf8")).salt, stored.salt, "each history has a salt of its own");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("a caller history file that is not JSON stops the start with a message naming it", () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-kpi-"));
  const file = join(directory, "callers.json");
  try {
    writeFileSync(file, "{not json");
    assert.throws(() => new CallerHistory({ windowMs: DAY, file }), (error: Error) => error.message.includes(file) && /not JSON/.test(error.message));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
