import { test } from "uvu";
import * as assert from "uvu/assert";
import { PronunciationDictionary } from "./pronunciations.ts";

const TEXT = ["a AH", "a's EY Z", "a(2) EY", "read R IY D", "read(2) R EH D", "reader R IY D ER", "zoo Z UW"].join("\n") + "\n";

test("a word's pronunciations are its line and its variants, in the file's order", () => {
  const words = new PronunciationDictionary(TEXT);
  assert.equal(words.lookup("read"), [{ name: "read", phones: "R IY D" }, { name: "read(2)", phones: "R EH D" }]);
  assert.equal(words.lookup("a"), [{ name: "a", phones: "AH" }, { name: "a(2)", phones: "EY" }]);
});

test("a word is not found inside or at the start of another", () => {
  const words = new PronunciationDictionary(TEXT);
  assert.equal(words.lookup("reader"), [{ name: "reader", phones: "R IY D ER" }]);
  assert.equal(words.lookup("rea"), []);
  assert.equal(words.lookup("ead"), []);
});

test("the first and the last line are found, and a missing final line break does not matter", () => {
  const words = new PronunciationDictionary(TEXT.trimEnd());
  assert.equal(words.lookup("a")[0], { name: "a", phones: "AH" });
  assert.equal(words.lookup("zoo"), [{ name: "zoo", phones: "Z UW" }]);
});

test("a missing word gives nothing, and asking again gives the same", () => {
  const words = new PronunciationDictionary(TEXT);
  assert.equal(words.lookup("zebra"), []);
  assert.equal(words.lookup("zebra"), []);
});

test.run();
