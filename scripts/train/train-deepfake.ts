// `npm run train:deepfake`: trains the synthetic-voice models (wideband and telephone), evaluates
// them with leave-one-page-out, leave-one-family-out and unseen-corpus folds, sets their
// operating points, and writes plugins/deepfake/model/.
import { DEEPFAKE_FEATURE_NAMES } from "../../plugins/deepfake/features.ts";
import { DEEPFAKE_SETS, type DeepfakeViewFigures, deepfakeTables, DEPLOYMENT_HOLDOUT_PAGE, evaluateDeepfake, loadDeepfakeSamples, trainDeepfake, trainDeepfakeFolds } from "./deepfake.ts";
import { deepfakeModelCard } from "./deepfake-card.ts";
import { requireSets, roundNumbers, writeModelCard, writeModelJson } from "./model-files.ts";

requireSets(...DEEPFAKE_SETS);
const samples = await loadDeepfakeSamples({ forTraining: true });
// Fold models only serve the evaluation: four significant digits keep folds.json small and move no figure.
const folds = roundNumbers({ wideband: trainDeepfakeFolds(samples, "wideband"), telephone: trainDeepfakeFolds(samples, "telephone") }, 4);
const deployedSamples = samples.filter((s) => s.page !== DEPLOYMENT_HOLDOUT_PAGE);
const deployed = { wideband: { classifier: trainDeepfake(deployedSamples, "wideband") }, telephone: { classifier: trainDeepfake(deployedSamples, "telephone") } };
const figures = evaluateDeepfake(samples, folds, deployed);
const operatingPoints = (f: DeepfakeViewFigures) => ({ falseAlarmCurve: f.falseAlarmCurve, uncertainThreshold: f.eerThreshold });
writeModelJson("deepfake", "weights.json", {
  format: 3,
  wideband: { inputs: DEEPFAKE_FEATURE_NAMES.wideband, ...deployed.wideband, ...operatingPoints(figures.views.wideband), codecs: { opus: operatingPoints(figures.views.opus) } },
  telephone: { inputs: DEEPFAKE_FEATURE_NAMES.telephone, ...deployed.telephone, ...operatingPoints(figures.views.telephone) },
});
writeModelJson("deepfake", "folds.json", { format: 3, folds });
writeModelJson("deepfake", "figures.json", figures);
writeModelCard("deepfake", deepfakeModelCard(figures));
console.log(deepfakeTables(figures));
