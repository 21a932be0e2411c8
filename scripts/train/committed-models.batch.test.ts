// test: long (the models evaluated on the data; the first run also decodes it into the cache)
// Regression gate: the committed weights still reproduce the figures in their model cards
// (figures.json) on the data. Skips with a message when the data folder (or ffmpeg, which
// decodes its FLAC files) is absent, unless PARLEY_STRICT=1.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireData, requireTool } from "../../core/testing.ts";
import { evaluateCommittedModel, figureDifferences, MODEL_DATA } from "./committed-models.ts";

const TOLERANCE = 0.005;

for (const [name, sets] of Object.entries(MODEL_DATA)) {
  test(`the committed ${name} model reproduces its model card's figures within half a point`, async () => {
    if (!requireTool("ffmpeg") || !sets.every((set) => requireData(`${set}/labels.tsv`))) return;
    const evaluation = await evaluateCommittedModel(name);
    const differences = figureDifferences(evaluation.recorded, evaluation.figures, TOLERANCE);
    assert.equal(differences, [], differences.join("; "));
  });
}

test("figure comparison flags a moved rate and ignores a tiny one", () => {
  assert.equal(figureDifferences({ a: { eer: 0.1 } }, { a: { eer: 0.1004 } }, TOLERANCE), []);
  assert.equal(figureDifferences({ a: { eer: 0.1 } }, { a: { eer: 0.12 } }, TOLERANCE), ["a.eer: 0.1 recorded, 0.12 now"]);
  assert.equal(figureDifferences({ threshold: 1 }, { threshold: 1.04 }, TOLERANCE), []);
});

test.run();
