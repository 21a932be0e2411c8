import { test } from "uvu";
import * as assert from "uvu/assert";
import { DisclosureTracker } from "./disclosures.ts";

const RECORDED = { id: "recording_notice", phrases: ["this call is recorded", "calls may be recorded"], withinSeconds: 30 };
const tracker = () => new DisclosureTracker([RECORDED], 0.75, 2000);
const said = (text: string) => tracker().heard(text, 5000).map((d) => d.id);

test("a disclosure said as written, in another inflection, or with the recogniser's slips is heard", () => {
  assert.equal(said("hello this call is recorded for training"), ["recording_notice"]);
  assert.equal(said("hi all calls may be recorded"), ["recording_notice"], "any of its phrases");
  assert.equal(said("the call is recording"), ["recording_notice"], "a stop word misheard, another inflection");
  assert.equal(said("this call uh is being recorded"), ["recording_notice"], "words inserted");
});

test("a disclosure is not heard when its meaningful words are missing, out of order or far apart", () => {
  assert.equal(said("this call is about your card"), [], "without 'recorded'");
  assert.equal(said("recorded this is call"), [], "out of order");
  assert.equal(said("this call is for your account which we have recorded"), [], "too far apart");
});

test("a phrase spread over two of the agent's turns is heard; each disclosure is reported once, late when past its deadline and grace", () => {
  const t = tracker();
  assert.equal(t.heard("good morning this call", 1000), []);
  assert.equal(t.heard("is recorded how can I help", 1500), [{ id: "recording_notice", afterMs: 1500, late: false, heard: "is recorded how can I help" }]);
  assert.equal(t.heard("this call is recorded", 2000), [], "once");
  const late = tracker();
  assert.equal(late.heard("this call is recorded", 31_000).map((d) => d.late), [false], "within the grace: said before the deadline, recognised after it");
  assert.equal(tracker().heard("this call is recorded", 32_001).map((d) => d.late), [true]);
});

test("a disclosure not said is overdue once its deadline and grace have passed, and reported once", () => {
  const t = new DisclosureTracker([RECORDED, { id: "cooling_off", phrases: ["you can cancel within fourteen days"], withinSeconds: 60 }], 0.75, 2000);
  assert.equal(t.deadlines(), [32_000, 62_000]);
  assert.equal(t.overdue(31_999), []);
  assert.equal(t.overdue(32_000).map((r) => r.id), ["recording_notice"]);
  assert.equal(t.overdue(40_000), [], "once");
  t.heard("and you can cancel it within fourteen days", 50_000);
  assert.equal(t.overdue(70_000), [], "said in time: never overdue");
});

test.run();
