// `parley recording decrypt --key <private.pem> <file> [-o <out>]`: opens an encrypted
// recording (plugins/recording) with the private key its audio was encrypted for and writes a
// playable WAV; given its metadata document (`<id>.json`), writes the document with its sealed
// events in the clear. Errors name what is wrong (wrong key, not an encrypted recording, damaged); a
// recording a crash or a cut left without its last chunk is written up to its last whole chunk,
// with a warning.
import { readFile } from "node:fs/promises";
// The two files it needs, not the plugin's mod.ts: that loads the whole server, seconds the command need not wait.
import { decryptDocumentFile, decryptRecordingFile } from "../plugins/recording/decrypt.ts";
import { recordingPrivateKey } from "../plugins/recording/envelope.ts";

/** Usage of the `parley recording` commands. */
export const RECORDING_USAGE = "Usage: parley recording decrypt --key <private.pem> <file.wav.enc> [-o <out.wav>]\n       parley recording decrypt --key <private.pem> <id.json> [-o <out.json>]\n";

/** Exit statuses: done (maybe with a warning), failed, and wrong usage. */
const EXIT = { done: 0, failed: 1, usage: 2 } as const;

/** The decrypt command's arguments. */
interface DecryptArgs {
  key: string;
  input: string;
  output: string;
}

/** Reads `decrypt`'s arguments; a string is what is wrong with them. */
function parseDecryptArgs(args: readonly string[]): DecryptArgs | string {
  let key: string | undefined;
  let output: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === "--key" || name === "-k" || name === "--output" || name === "-o") {
      const value = inline ?? args[++i];
      if (!value) return `${name} needs a value`;
      if (name === "--key" || name === "-k") key = value;
      else output = value;
    } else if (name.startsWith("-") && name !== "-") return `unknown option ${name}`;
    else files.push(args[i]!);
  }
  if (!key) return "--key <private.pem> is required";
  if (files.length !== 1) return files.length === 0 ? "which recording? give its file" : `one recording at a time (got ${files.length} files)`;
  const input = files[0]!;
  const defaultOutput = input.endsWith(".json") ? `${input.slice(0, -".json".length)}.decrypted.json` : input.endsWith(".enc") ? input.slice(0, -".enc".length) : `${input}.wav`;
  return { key, input, output: output ?? defaultOutput };
}

/** Runs `parley recording <args>`, reporting on stdout and stderr; resolves with the exit status. */
export async function recordingCommand(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "-h" || command === "--help" || rest.includes("-h") || rest.includes("--help")) {
    process.stdout.write(RECORDING_USAGE);
    return EXIT.done;
  }
  const parsed = command === "decrypt" ? parseDecryptArgs(rest) : command ? `unknown command "recording ${command}"` : "which command?";
  if (typeof parsed === "string") {
    process.stderr.write(`parley recording: ${parsed}\n${RECORDING_USAGE}`);
    return EXIT.usage;
  }
  try {
    const key = recordingPrivateKey(await readFile(parsed.key, "utf8"));
    if (parsed.input.endsWith(".json")) {
      const opened = await decryptDocumentFile(parsed.input, parsed.output, key);
      process.stdout.write(`parley recording: ${parsed.output}: ${opened.events} events opened (key ${opened.keyFingerprint})\n`);
      return EXIT.done;
    }
    const result = await decryptRecordingFile(parsed.input, parsed.output, key);
    const seconds = (result.dataBytes / (2 * result.channels * result.sampleRate)).toFixed(2);
    process.stdout.write(`parley recording: ${parsed.output}: ${seconds} s, ${result.channels} channels at ${result.sampleRate} Hz, from ${result.chunks} chunks (key ${result.keyFingerprint})\n`);
    if (!result.complete) {
      const dropped = result.droppedBytes > 0 ? `; the ${result.droppedBytes} bytes of an incomplete chunk after it cannot be decrypted and were left out` : "";
      process.stderr.write(`parley recording: warning: ${parsed.input} is truncated: it ends after chunk ${result.chunks} without the recording's last chunk (the server stopped during the call, or the file was cut); the WAV holds every whole chunk${dropped}\n`);
    }
    return EXIT.done;
  } catch (error) {
    const { message, code } = error as { message: string; code?: string };
    process.stderr.write(`parley recording: ${message}${code ? ` (${code})` : ""}\n`);
    return EXIT.failed;
  }
}
