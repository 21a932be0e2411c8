import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createLogger } from "../../core/mod.ts";
import { waitFor } from "../../core/testing.ts";
import { backoffMs, type OutboxEntry, type OutboxOptions, WebhookOutbox } from "./outbox.ts";
import { signPayload, verifySignature } from "./signature.ts";
import { WebhookReceiver, withDirectory } from "./testing.ts";

const SECRET = "whsec_0123456789abcdef";

function outbox(directory: string, url: string, options: Partial<OutboxOptions> = {}) {
  const results: string[] = [];
  let deadLetters = 0;
  const box = new WebhookOutbox({ directory, url, secret: SECRET, maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 100, timeoutMs: 2000, concurrency: 2, ...options }, createLogger("silent"), {
    attempted: (result) => results.push(result),
    deadLettered: () => deadLetters++,
  });
  return { box, results, deadLetters: () => deadLetters };
}

test("a receiver that answers 500 twice then 200 gets the record once accepted, signed, with the same delivery id each time", withDirectory(async (directory) => {
  const receiver = await WebhookReceiver.start([500, 500, 200]);
  const { box, results } = outbox(directory, receiver.url);
  try {
    await box.start();
    const body = JSON.stringify({ callId: "call-1", transcript: ["hello"] });
    await box.add("call-1", body);
    await waitFor(() => box.size === 0, 5000, "the delivery to finish");
    assert.equal(readdirSync(join(directory, "outbox")), [], "the record is deleted once delivered");
    assert.equal(receiver.received.map((d) => d.status), [500, 500, 200]);
    assert.is(receiver.accepted.length, 1);
    const accepted = receiver.accepted[0]!;
    assert.is(accepted.body, body);
    assert.ok(verifySignature(SECRET, accepted.body, String(accepted.headers["parley-signature"]), Math.floor(Date.now() / 1000)), String(accepted.headers["parley-signature"]));
    assert.equal(receiver.received.map((d) => d.headers["parley-delivery"]), ["call-1", "call-1", "call-1"]);
    assert.equal(receiver.received.map((d) => d.headers["parley-attempt"]), ["1", "2", "3"]);
    assert.is(accepted.headers["content-type"], "application/json");
    assert.equal(results, ["rejected", "rejected", "delivered"]);
  } finally {
    await box.close();
    await receiver.close();
  }
}));

test("after the last attempt the record moves to dead-letter/ with its attempts and last error", withDirectory(async (directory) => {
  const receiver = await WebhookReceiver.start([503]);
  const { box, deadLetters } = outbox(directory, receiver.url, { maxAttempts: 3 });
  try {
    await box.start();
    await box.add("call-2", "{}");
    await waitFor(() => deadLetters() === 1, 5000, "the dead letter");
    assert.ok(existsSync(join(directory, "dead-letter", "call-2.json")));
    assert.is(receiver.received.length, 3);
    assert.equal(readdirSync(join(directory, "outbox")), []);
    const entry = JSON.parse(readFileSync(join(directory, "dead-letter", "call-2.json"), "utf8")) as OutboxEntry;
    assert.equal([entry.id, entry.attempts, entry.lastError, entry.body], ["call-2", 3, "HTTP 503", "{}"]);
  } finally {
    await box.close();
    await receiver.close();
  }
}));

test("a record whose receiver is down stays on disk; a new outbox on the folder (a restart) delivers it once the receiver is up", withDirectory(async (directory) => {
  const down = await WebhookReceiver.start([200]);
  const port = down.port;
  await down.close();
  const first = outbox(directory, `http://127.0.0.1:${port}/hook`, { initialDelayMs: 300, maxDelayMs: 300 });
  await first.box.start();
  await first.box.add("call-3", '{"callId":"call-3"}');
  await waitFor(() => first.results.length === 1, 5000, "the first attempt");
  await first.box.close();
  assert.equal(first.results, ["unreachable"]);
  const kept = JSON.parse(readFileSync(join(directory, "outbox", "call-3.json"), "utf8")) as OutboxEntry;
  assert.is(kept.attempts, 1);
  assert.ok(kept.lastError, "the failure is kept with the record");

  const receiver = await WebhookReceiver.start([200], port);
  // Stopped before its retry (150-300 ms after the failure): the restarted outbox keeps that schedule.
  const second = outbox(directory, receiver.url);
  try {
    assert.equal(await second.box.start(), ["call-3"]);
    await waitFor(() => receiver.accepted.length === 1, 5000, "the delivery after the restart");
    assert.is(receiver.accepted[0]!.body, '{"callId":"call-3"}');
    assert.is(receiver.accepted[0]!.headers["parley-attempt"], "2");
    await waitFor(() => readdirSync(join(directory, "outbox")).length === 0, 5000, "the outbox to empty");
  } finally {
    await second.box.close();
    await receiver.close();
  }
}));

test("at start a torn temporary file is removed and an unreadable record goes to dead-letter/", withDirectory(async (directory) => {
  mkdirSync(join(directory, "outbox"), { recursive: true });
  writeFileSync(join(directory, "outbox", "a.json.tmp"), '{"id":"a"');
  writeFileSync(join(directory, "outbox", "b.json"), "not json");
  const { box } = outbox(directory, "http://127.0.0.1:9/");
  try {
    assert.equal(await box.start(), []);
    assert.equal(readdirSync(join(directory, "outbox")), []);
    assert.equal(readdirSync(join(directory, "dead-letter")), ["b.json.unreadable"]);
  } finally {
    await box.close();
  }
}));

test("backoff doubles from the first delay up to the cap, half of it random", () => {
  assert.equal([1, 2, 3, 4, 10].map((n) => backoffMs(n, 1000, 5000, () => 1)), [1000, 2000, 4000, 5000, 5000]);
  assert.equal([1, 2, 3].map((n) => backoffMs(n, 1000, 5000, () => 0)), [500, 1000, 2000]);
});

test("the signature is Stripe's scheme: t and the HMAC-SHA256 of t.body; a changed body, another secret or an old time fail", () => {
  const body = '{"callId":"x"}';
  const header = signPayload(SECRET, body, 1_800_000_000);
  assert.match(header, /^t=1800000000,v1=[0-9a-f]{64}$/);
  assert.ok(verifySignature(SECRET, body, header, 1_800_000_100));
  assert.not.ok(verifySignature(SECRET, '{"callId":"y"}', header, 1_800_000_100));
  assert.not.ok(verifySignature("another_secret_value", body, header, 1_800_000_100));
  assert.not.ok(verifySignature(SECRET, body, header, 1_800_001_000));
  assert.not.ok(verifySignature(SECRET, body, "t=1800000000,v1=zz", 1_800_000_000));
});

test.run();
