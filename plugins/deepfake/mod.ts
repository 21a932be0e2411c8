// Synthetic-voice detection: the `deepfake` plugin, its models and its `deepfake` events.
export { deepfake, deepfakeEvents, type DeepfakeInput, DeepfakeOptions } from "./plugin.ts";
export { channelFor, type DeepfakeChannel, type DeepfakeChannelWeights, DeepfakeModel, type DeepfakeWeights, loadDeepfakeWeights } from "./model.ts";
export { DEEPFAKE_FEATURE_NAMES, deepfakeFeatures } from "./features.ts";
