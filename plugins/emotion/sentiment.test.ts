import { test } from "uvu";
import * as assert from "uvu/assert";
import { textSentiment } from "./sentiment.ts";

test("praise reads positive, complaints negative, and plain text neutral", () => {
  assert.ok(textSentiment("thank you so much, that was really helpful") > 0.3);
  assert.ok(textSentiment("this is ridiculous and I want to cancel") < -0.3);
  assert.is(textSentiment("my account number is four two seven"), 0);
  assert.is(textSentiment(""), 0);
});

test("a negator flips a sentiment word and the score stays within -1..1", () => {
  assert.ok(textSentiment("that was not helpful") < 0);
  assert.ok(textSentiment("not bad at all") > 0);
  const extreme = textSentiment("terrible awful horrible worst useless rude");
  assert.ok(extreme >= -1 && extreme < -0.7);
});

test.run();
