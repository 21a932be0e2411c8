// Test code: small helpers over a seeded random source, shared by the fuzz input generators, so
// a run is reproduced exactly from its seed.
import type { Rng } from "./signal-test-utils.ts";

/** A whole number from `min` to `max`, both included. */
export const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

/** One of `items`, uniformly. */
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, 0, items.length - 1)]!;

/** True with probability `p`. */
export const chance = (rng: Rng, p: number): boolean => rng() < p;

/** A random unsigned 32-bit number. */
export const uint32 = (rng: Rng): number => rng() * 2 ** 32 >>> 0;

/** A copy of `bytes` with one to eight bits flipped. */
export function flipBits(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let flips = int(rng, 1, 8); flips > 0 && out.length > 0; flips--) out[int(rng, 0, out.length - 1)]! ^= 1 << int(rng, 0, 7);
  return out;
}

/** One of `choices`, each as likely as its weight. */
export function weighted<T>(rng: Rng, choices: readonly (readonly [number, T])[]): T {
  const total = choices.reduce((sum, [weight]) => sum + weight, 0);
  let r = rng() * total;
  for (const [weight, value] of choices) if ((r -= weight) < 0) return value;
  return choices[choices.length - 1]![1];
}

/** Text of `length` characters drawn from troublesome ones: controls, quotes, percent signs, non-ASCII, surrogates. */
export function nastyText(rng: Rng, length: number): string {
  const alphabet = ["a", "/", "%", "%00", "%zz", "..", "[", "]", "\"", "'", "<", ">", "\\", "{", "}", "é", "€", "\u0000", "\u0007", "\ud800", "😀", " ", "\t", "?", "#", "&", "="];
  let out = "";
  while (out.length < length) out += pick(rng, alphabet);
  return out;
}
