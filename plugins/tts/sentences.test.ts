import { test } from "uvu";
import * as assert from "uvu/assert";
import { splitSentences } from "./sentences.ts";

test("text splits after sentence and clause ends, keeping each piece's offset in the text", () => {
  const text = "Hello there. How can I help?  Say billing; or \"refund.\" Thanks";
  const pieces = splitSentences(text);
  assert.equal(pieces.map((p) => p.text), ["Hello there.", "How can I help?", "Say billing;", "or \"refund.\"", "Thanks"]);
  for (const piece of pieces) assert.is(text.slice(piece.offset, piece.offset + piece.text.length), piece.text);
});

test("decimals, abbreviations without a following space, and blank text do not split", () => {
  assert.equal(splitSentences("It costs 3.50 dollars").map((p) => p.text), ["It costs 3.50 dollars"]);
  assert.equal(splitSentences("   "), []);
});

test.run();
