// Voice biometrics: the `biometrics` plugin (verification against a claimed identity, enrollment
// from sessions), its HTTP API, the voiceprint store and model, and its events.
export { biometrics, biometricsEvents, type BiometricsInput, BiometricsOptions, createBiometricsService } from "./plugin.ts";
export { type BiometricsRouteLimits, DEFAULT_ROUTE_LIMITS, registerBiometricsRoutes } from "./routes.ts";
export { BiometricsError, type BiometricsErrorReason, type BiometricsLimits, BiometricsService, type EnrollableSession, type Verification } from "./service.ts";
export { type Voiceprint, voiceprintKey, VoiceprintStore } from "./voiceprint-store.ts";
export { type BiometricsWeights, loadBiometricsWeights, VoiceprintModel, type VoiceUtterance } from "./model.ts";
export { VOICEPRINT_DIMENSIONS, voiceprintFrames } from "./features.ts";
