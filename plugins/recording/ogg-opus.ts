// Ogg Opus recordings: the call is recorded as a WAV (a crash leaves it playable: wav-file.ts) and,
// once it has ended or been recovered, encoded to Ogg Opus by ffmpeg (libopus) in a process of its
// own, off the event loop, at a lower priority than the media. ffmpeg is a well-kept encoder and
// muxer that Debian ships; encoding in the server instead would cost 12 Opus decodes per frame of
// main-thread time (bench: opus.encode.call) and an Ogg muxer of our own.
import { execFile, spawnSync } from "node:child_process";
import { rename, unlink } from "node:fs/promises";
import { recordingError } from "./errors.ts";

/**
 * The encoder's bit rate for the stereo file, bits per second: a sixteenth of the 16 kHz WAV. In
 * its "audio" mode Opus keeps the waveform, which reviews and alignment checks compare (a caller
 * and a prompt decoded back correlate 0.94 with the WAV's channels; 0.99 at 48 kbit/s for twice
 * the bytes); its "voip" mode reshapes speech and stays at 0.78 at any rate.
 */
export const OGG_OPUS_BITRATE = 32000;

let problem: string | undefined | null;

/** Why Ogg Opus recordings cannot be made here (ffmpeg or its libopus encoder missing), or undefined when they can. */
export function oggOpusEncoderProblem(): string | undefined {
  if (problem === null) return undefined;
  if (problem !== undefined) return problem;
  const encoders = spawnSync("ffmpeg", ["-hide_banner", "-encoders"], { encoding: "utf8" });
  if (encoders.error) problem = "ffmpeg is not installed (apt-get install ffmpeg)";
  else if (!/\blibopus\b/.test(encoders.stdout)) problem = "this ffmpeg has no libopus encoder (Debian's ffmpeg has it: apt-get install ffmpeg)";
  else problem = null;
  return problem ?? undefined;
}

/** Throws PARLEY_ERR_RECORDING_FORMAT when Ogg Opus recordings cannot be made here. */
export function requireOggOpusEncoder(): void {
  const why = oggOpusEncoderProblem();
  if (why) throw recordingError.PARLEY_ERR_RECORDING_FORMAT("ogg-opus", why);
}

/** Encodes the WAV at `wav` to Ogg Opus at `ogg`, which appears (by a rename) only once whole. */
export async function encodeOggOpus(wav: string, ogg: string): Promise<void> {
  const temporary = `${ogg}.tmp`;
  const args = [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-threads", "1",
    "-i", wav,
    "-c:a", "libopus", "-b:a", String(OGG_OPUS_BITRATE), "-application", "audio",
    "-f", "ogg", temporary,
  ];
  try {
    // nice: the encoder yields the CPU to the server's media path.
    await new Promise<void>((resolve, reject) => {
      execFile("nice", ["-n", "10", "ffmpeg", ...args], { maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`ffmpeg could not encode ${wav} to Ogg Opus: ${stderr.trim() || error.message}`));
        else resolve();
      });
    });
    await rename(temporary, ogg);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
