// `npm run eval`: runs each committed model (plugins/emotion, deepfake, biometrics) on its
// evaluation splits of PARLEY_DATA and prints the figures as tables, with any difference from
// the figures recorded at training time.
import { evaluateCommittedModel, figureDifferences, hasModelData, MODEL_DATA } from "./train/committed-models.ts";

const TOLERANCE = 0.005;
let missing = 0;
for (const name of Object.keys(MODEL_DATA)) {
  console.log(`\n## ${name}\n`);
  if (!hasModelData(name)) {
    console.log(`(skipped: ${MODEL_DATA[name]!.join(", ")} not in the data folder; set PARLEY_DATA)`);
    missing++;
    continue;
  }
  const started = performance.now();
  const evaluation = await evaluateCommittedModel(name);
  console.log(evaluation.tables);
  const differences = figureDifferences(evaluation.recorded, evaluation.figures, TOLERANCE);
  console.log(`\n${differences.length === 0 ? "matches figures.json" : `DIFFERS from figures.json:\n  ${differences.join("\n  ")}`} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
process.exit(missing > 0 && process.env.PARLEY_STRICT === "1" ? 1 : 0);
