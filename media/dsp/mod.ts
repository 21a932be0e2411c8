// The public face of media/dsp: the acoustic front end and the small models the analytics
// plugins share. Pure code (RxJS for the operators), no I/O.
export * from "./window.ts";
export * from "./framer.ts";
export * from "./fft.ts";
export * from "./energy.ts";
export * from "./decimator.ts";
export * from "./pitch.ts";
export * from "./spectral.ts";
export * from "./filterbank.ts";
export * from "./cepstrum.ts";
export * from "./voice-quality.ts";
export * from "./features.ts";
export * from "./functionals.ts";
export * from "./speech-segmenter.ts";
export * from "./speech-check.ts";
export * from "./linear-classifier.ts";
export * from "./gmm.ts";
export * from "./extract-features.ts";
export * from "./segment-speech.ts";
export * from "./session-streams.ts";
export * from "./utterance-functionals.ts";
export * from "./rolling-estimate.ts";
export * from "./telephone-channel.ts";
