import { test } from "uvu";
import * as assert from "uvu/assert";
import { backchannelWords, hasContent, isBackchannel, transcriptWords } from "./backchannel.ts";
import { DEFAULT_BACKCHANNELS } from "./plugin.ts";

const words = backchannelWords(DEFAULT_BACKCHANNELS);

test("transcript words drop case, punctuation and filler markers", () => {
  assert.equal(transcriptWords("Uh-huh, [noise] <sil> OK."), ["uh", "huh", "ok"]);
});

test("acknowledgements alone are backchannels", () => {
  assert.ok(isBackchannel("uh huh", words));
  assert.ok(isBackchannel("Mm-hmm.", words));
  assert.ok(isBackchannel("yeah right", words));
});

test("a word that is not an acknowledgement makes it an interruption", () => {
  assert.not.ok(isBackchannel("yeah but wait", words));
  assert.ok(hasContent("okay stop", words));
  assert.not.ok(hasContent("uh huh", words));
});

test("no words at all is neither a backchannel nor content", () => {
  assert.not.ok(isBackchannel("[noise]", words));
  assert.not.ok(hasContent("", words));
});

test.run();
