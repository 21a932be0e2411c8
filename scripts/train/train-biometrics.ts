// `npm run train:biometrics`: trains the voiceprint background model (GMM-UBM) on background
// speakers only, evaluates it on unseen speakers and writes plugins/biometrics/model/.
import { VOICEPRINT_DIMENSIONS } from "../../plugins/biometrics/features.ts";
import { BIOMETRICS_TRAINING, biometricsTables, evaluateBiometrics, loadBiometricsData, trainBiometrics } from "./biometrics.ts";
import { requireSets, writeModelCard, writeModelJson } from "./model-files.ts";
import { percent } from "./table.ts";

requireSets("speakers", "digits");
const data = await loadBiometricsData();
const ubm = trainBiometrics(data);
const figures = evaluateBiometrics(data, ubm);
writeModelJson("biometrics", "weights.json", {
  format: 1,
  features: `mfcc c1-c19, utterance mean removed, plus deltas (${VOICEPRINT_DIMENSIONS} dimensions)`,
  relevance: BIOMETRICS_TRAINING.relevance,
  top: BIOMETRICS_TRAINING.top,
  threshold: figures.defaultThreshold,
  ubm,
});
writeModelJson("biometrics", "figures.json", figures);
const tables = biometricsTables(figures);
writeModelCard("biometrics", `# Model card: biometrics (plugins/biometrics)

GMM-UBM speaker verification (Reynolds et al. 2000): a ${BIOMETRICS_TRAINING.components}-component diagonal Gaussian mixture (the universal
background model) over ${VOICEPRINT_DIMENSIONS}-dimensional frames (MFCC c1-c19 with the utterance mean removed, and their deltas)
from Parley's shared feature stream (media/dsp). A voiceprint is the UBM's means MAP-adapted to the speaker's
enrollment speech (relevance ${BIOMETRICS_TRAINING.relevance}); it is stored as the enrollment statistics, so more speech can be added
later. Score: the mean per-frame log-likelihood ratio voiceprint over UBM, each frame evaluated on its top
${BIOMETRICS_TRAINING.top} UBM components. Default threshold ${figures.defaultThreshold.toFixed(3)}: the mean of the two speakers/ equal-error thresholds (free speech, as
in a call); digit trials score higher because enrollment and test say the same words.
Trained by \`npm run train:biometrics\` (deterministic EM, ${BIOMETRICS_TRAINING.iterations} iterations).

## Data

- Background model: the 62 LibriSpeech train-clean-100 speakers of the shared \`speakers\` set, one 8 s
  utterance each, as recorded and through an 8 kHz G.711 channel (${figures.backgroundFrames} frames). No evaluation speaker is in it.
- Evaluation: \`speakers\` test-other (5 speakers x 10 utterances of 8 s) and \`digits\` (Free Spoken Digit
  Dataset: 4 speakers x 500 single digits at 8 kHz).

**Licence: LibriSpeech is CC BY 4.0; the Free Spoken Digit Dataset is CC BY-SA 4.0** (evaluation only; the
weights are trained on LibriSpeech alone). Attribution: LibriSpeech (Panayotov et al. 2015).

## Evaluation

Each evaluation speaker is enrolled from at most 30 s of audio (speakers: the first 3 utterances, enrolled as
the API enrolls a wideband WAV: as recorded plus through a simulated telephone channel; digits: the 50
utterances numbered 0-4 of each digit) and every remaining utterance is scored against every enrolled speaker.
The second row is the call-center case: enrolled from wideband audio, verified over a PCMU call.

${tables}

## Limits

- Five and four evaluation speakers make few trials: the speakers/ EERs move a lot with one trial. The
  digits/ figures (thousands of trials) are the steadier ones.
- A single digit is far too little speech for a verdict: the plugin waits for ${"1.5"} s of voiced speech by
  default. EER ${percent(figures.digitsSingle.eer)} per digit falls to ${percent(figures.digitsTriple.eer)} with three.
- GMM-UBM predates neural speaker embeddings; it is cheap and needs no large training set, but a
  modern embedding model would do better on short and noisy speech.
- A voiceprint enrolled from a live wideband call holds only wideband speech (the telephone rendering
  is added for WAV enrollment only), so verifying it later over an 8 kHz line is weaker.
- Voice alone is not proof of identity (see the deepfake plugin): combine with other factors.
`);
console.log(tables);
