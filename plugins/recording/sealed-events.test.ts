import { test } from "uvu";
import * as assert from "uvu/assert";
import { EventSealer, openSealedEvents } from "./sealed-events.ts";
import { testKeyPair } from "./testing.ts";

const EVENTS = [
  { type: "transcript", text: "my card number is four one one one", ts: 1 },
  { type: "queue.entered", queueId: "support", ts: 2 },
  { type: "route.request", reason: "caller_request", text: "i want to talk to a person", ts: 3 },
];

for (const type of ["rsa", "x25519"] as const) {
  test(`events sealed for a ${type} key open in order with its private key, and hold no plaintext`, () => {
    const keys = testKeyPair(type);
    const sealer = new EventSealer(keys.publicKey, "call-1");
    const sealed = EVENTS.map((event) => sealer.seal(event));
    assert.not.ok(JSON.stringify(sealed).includes("four one"), "no plaintext in the sealed events");
    assert.equal(openSealedEvents(sealer.sealing, sealed, "call-1", keys.privateKey), EVENTS);
  });
}

test("sealed events refuse another key by name, another recording, and a dropped or altered event", () => {
  const keys = testKeyPair("x25519");
  const sealer = new EventSealer(keys.publicKey, "call-1");
  const sealed = EVENTS.map((event) => sealer.seal(event));
  assert.throws(() => openSealedEvents(sealer.sealing, sealed, "call-1", testKeyPair("x25519").privateKey), /encrypted for the key sha256:/);
  assert.throws(() => openSealedEvents(sealer.sealing, sealed, "call-2", keys.privateKey), /sealed event 0 does not open/);
  assert.throws(() => openSealedEvents(sealer.sealing, [sealed[0]!, sealed[2]!], "call-1", keys.privateKey), /dropped or reordered/);
  const altered = Buffer.from(sealed[1]!.data, "base64");
  altered[0]! ^= 1;
  assert.throws(() => openSealedEvents(sealer.sealing, [sealed[0]!, { n: 1, data: altered.toString("base64") }], "call-1", keys.privateKey), /sealed event 1 does not open/);
});

test.run();
