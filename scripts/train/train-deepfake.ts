// `npm run train:deepfake`: trains the synthetic-voice models (wideband and telephone) with a
// leave-one-system-out evaluation and writes plugins/deepfake/model/.
import { BONAFIDE_FOLDS, DEEPFAKE_INPUTS, DEEPFAKE_TRAINING, deepfakeTables, evaluateDeepfake, families, loadDeepfakeSamples, trainDeepfake, trainDeepfakeFolds } from "./deepfake.ts";
import { requireSets, roundNumbers, writeModelCard, writeModelJson } from "./model-files.ts";
import { percent } from "./table.ts";

requireSets("antispoof");
const samples = await loadDeepfakeSamples();
// Fold models only serve the evaluation: four significant digits keep folds.json small and move no figure.
const folds = roundNumbers({ wideband: trainDeepfakeFolds(samples, "wideband"), telephone: trainDeepfakeFolds(samples, "telephone") }, 4);
const figures = evaluateDeepfake(samples, folds);
writeModelJson("deepfake", "weights.json", {
  format: 1,
  inputs: DEEPFAKE_INPUTS,
  wideband: { classifier: trainDeepfake(samples, "wideband"), threshold: figures.wideband.pooledThreshold },
  telephone: { classifier: trainDeepfake(samples, "telephone"), threshold: figures.telephone.pooledThreshold },
});
writeModelJson("deepfake", "folds.json", { format: 1, folds });
writeModelJson("deepfake", "figures.json", figures);
const tables = deepfakeTables(figures);
writeModelCard("deepfake", `# Model card: deepfake (plugins/deepfake)

Two logistic regressions (bona fide vs synthetic) over ${DEEPFAKE_INPUTS.length} utterance-level features: LFCC statistics (mean,
standard deviation, delta deviation of 20 coefficients over 30 linear bands to 8 kHz), narrowband MFCC
statistics, prosody and voice quality, from Parley's shared feature stream (media/dsp). The **wideband**
model serves 16 kHz and up calls; the **telephone** model, trained on the same clips through an 8 kHz G.711
channel, serves 8 kHz calls. Score: the log-likelihood ratio synthetic over bona fide; the default verdict
threshold is each model's pooled equal-error point below. Trained by \`npm run train:deepfake\` (deterministic;
L2 ${DEEPFAKE_TRAINING.l2}, ${DEEPFAKE_TRAINING.iterations} Adam steps, classes balanced).

## Data

The shared data folder's \`antispoof\` set: ${figures.bonafideClips} bona fide and ${figures.spoofClips} synthetic clips from the research demo pages of
YourTTS (real VCTK and MLS recordings vs zero-shot clones), HiFi-GAN, Glow-TTS and VITS (real LJSpeech vs
vocoder copy-synthesis, TTS and voice conversion). Systems are grouped into families for the evaluation:
${families(samples).join(", ")}.

**Licence: the YourTTS demo page is CC BY-NC-ND (non-commercial); the other pages are research demos of
CC BY / public-domain corpora. These weights are derived from that audio: treat them as non-commercial.**

## Evaluation

Leave-one-system-out: each family is scored only by models trained without it; bona fide clips are split
in ${BONAFIDE_FOLDS} folds by speaker and scored only by models trained without their speaker (\`folds.json\` holds every fold
model). Pooled: all those held-out scores together. Per corpus: bona fide and synthetic speech *of the same
corpus* only, so a model that had learnt "LJSpeech sounds like this" instead of "vocoders sound like this"
would fail there. 8 kHz G.711: the telephone model on the clips through a telephone channel.

${tables}

## Limits

- At 16 kHz the pooled EER on unseen systems is ${percent(figures.wideband.pooledEer)}: in the range of the ASVspoof 2019 LA
  baselines (8-10%), not well under it; WaveNet and VITS, the most natural-sounding, are the hardest.
- Through a telephone channel the evidence above 3.4 kHz is gone and the EER is ${percent(figures.telephone.pooledEer)}; within single
  corpora it is near or worse than chance (MLS-PT ${percent(figures.telephone.byCorpus["MLS-PT"]?.eer ?? Number.NaN)}), which says the telephone model mostly
  separates corpora and channels, not synthesis. Its verdicts are not evidence; the plugin marks them
  \`reliable: false\`.
- A few hundred clips from demo pages cannot represent today's voice-cloning services; retrain with
  current attacks (and your own channel) before relying on it.
`);
console.log(tables);
