// Finalises the recordings a crash interrupted: every journal without its document is a call that
// was being recorded when the server stopped. Its WAV gets the sizes its length gives (an encrypted
// recording, which the server cannot read, loses only its incomplete last chunk) and is encoded to
// Ogg Opus when that is the format; its document, built from the journal, says `complete: false`.
import { open, readdir, stat, unlink } from "node:fs/promises";
import type { Logger } from "../../core/mod.ts";
import { JOURNAL_EXTENSION, type RecordingFiles, recordingFiles } from "./files.ts";
import { audioEncryption } from "./encrypted-format.ts";
import { finaliseEncrypted } from "./encrypted-file.ts";
import { asOggOpus, type AudioFacts, documentFromJournal, type OggOpusEncoding, writeDocument } from "./recorder.ts";
import { WAV_HEADER_BYTES, wavHeader } from "../../media/wav.ts";
import { finaliseWav } from "./wav-file.ts";

/** Finalises every interrupted recording in `directory` (a plain one encoded to Ogg Opus with `oggOpus`); returns the ids of those it finalised. */
export async function recoverRecordings(directory: string, log: Logger, options: { oggOpus?: OggOpusEncoding } = {}): Promise<string[]> {
  const recovered: string[] = [];
  for (const name of await readdir(directory)) {
    if (!name.endsWith(JOURNAL_EXTENSION)) continue;
    const files = recordingFiles(directory, name.slice(0, -JOURNAL_EXTENSION.length));
    try {
      if (await exists(files.document)) {
        // Finished, but stopped before the journal was removed.
        await unlink(files.journal);
        continue;
      }
      await recoverOne(files, options.oggOpus);
      recovered.push(files.base);
    } catch (error) {
      log.error({ err: error, recording: files.base }, `could not finalise the interrupted recording ${files.base}`);
    }
  }
  return recovered;
}

async function recoverOne(files: RecordingFiles, oggOpus: OggOpusEncoding | undefined): Promise<void> {
  let recovered = await exists(files.encrypted) ? await recoverEncrypted(files) : undefined;
  recovered ??= await recoverWav(files);
  const { sampleRate, mtimeMs } = recovered;
  const audio = oggOpus && !recovered.audio.encryption ? await asOggOpus(files, recovered.audio, oggOpus) : recovered.audio;
  const document = await documentFromJournal(files, audio, false, (audioMs) => ({
    kind: "start",
    at: Math.round(mtimeMs - audioMs(sampleRate)),
    id: files.base,
    sampleRate,
    transport: "unknown",
    codec: "unknown",
    metadata: {},
  }));
  await writeDocument(files.document, document);
  await unlink(files.journal);
  if (audio.format?.format === "ogg") await unlink(files.wav);
}

/** What the document needs of an interrupted recording's audio file, and what the file tells of the call. */
interface RecoveredAudio {
  audio: AudioFacts;
  sampleRate: number;
  /** When the file was last written. */
  mtimeMs: number;
}

/** A WAV cut to whole frames and sized; a crash before its header was written leaves no file, or a shorter one, which becomes an empty WAV. */
async function recoverWav(files: RecordingFiles): Promise<RecoveredAudio> {
  const size = await stat(files.wav).then((info) => info.size, () => -1);
  if (size < WAV_HEADER_BYTES) await emptyWav(files.wav);
  const { sampleRate, mtimeMs } = await wavFacts(files.wav);
  return { audio: { file: files.wav, dataBytes: await finaliseWav(files.wav, 2) }, sampleRate, mtimeMs };
}

/** An encrypted recording cut after its last whole chunk; undefined (and the file removed) when a crash left its header incomplete, so that it holds no audio. */
async function recoverEncrypted(files: RecordingFiles): Promise<RecoveredAudio | undefined> {
  const extent = await finaliseEncrypted(files.encrypted);
  if (!extent) {
    await unlink(files.encrypted);
    return undefined;
  }
  const { mtimeMs } = await stat(files.encrypted);
  const audio = { file: files.encrypted, dataBytes: extent.dataBytes, encryption: audioEncryption(extent.header) };
  return { audio, sampleRate: extent.header.sampleRate, mtimeMs };
}

/** A WAV with no audio, for a recording stopped before its WAV was created. */
async function emptyWav(path: string): Promise<void> {
  const file = await open(path, "w");
  try {
    await file.write(wavHeader(16000, 2, 0), 0, WAV_HEADER_BYTES, 0);
  } finally {
    await file.close();
  }
}

/** The WAV's sample rate (from its header) and when it was last written. */
async function wavFacts(path: string): Promise<{ sampleRate: number; mtimeMs: number }> {
  const file = await open(path, "r");
  try {
    const header = new Uint8Array(WAV_HEADER_BYTES);
    const { bytesRead } = await file.read(header, 0, WAV_HEADER_BYTES, 0);
    const sampleRate = bytesRead >= 28 ? new DataView(header.buffer).getUint32(24, true) : 0;
    return { sampleRate: sampleRate || 16000, mtimeMs: (await file.stat()).mtimeMs };
  } finally {
    await file.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
