// Synthesisers run as a subprocess per sentence, when installed: flite and festival (Debian
// packages `flite`, `festival`). Neither streams its audio, so the text is spoken sentence by
// sentence: the first audio comes after the first sentence, and the next sentence is being
// synthesised while the current one plays.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { type AudioFrame, readWav } from "../../media/mod.ts";
import { FrameChunker } from "./FrameChunker.ts";
import { splitSentences } from "./sentences.ts";
import { type TtsEngine, TtsError, type TtsOptions } from "./TtsEngine.ts";

/** How to run one synthesiser. */
interface SubprocessSpec {
  name: string;
  /** The executable, looked up on PATH. */
  command: string;
  /** Debian package that provides it. */
  apt: string;
  defaultVoice: string;
  /** Arguments to speak `text` into the WAV file `output` (the text goes to stdin when `stdin` is set). */
  args(text: string, voice: string, stretch: number, output: string): string[];
  stdin: boolean;
  /** The voices installed, when the synthesiser can list them. */
  voices?(): string[];
}

/** Voice names go into command lines and Scheme: letters, digits and underscores only. */
const VOICE_NAME = /^[a-z0-9_]+$/i;
/** A sentence that takes longer than this to synthesise is a hung synthesiser. */
const TIMEOUT_MS = 20000;

const FLITE: SubprocessSpec = {
  name: "flite",
  command: "flite",
  apt: "flite",
  // slt: the 16 kHz female US voice (kal, the default, is 8 kHz).
  defaultVoice: "slt",
  args: (text, voice, stretch, output) => ["-voice", voice, "--setf", `duration_stretch=${stretch}`, "-t", text, "-o", output],
  stdin: false,
  // flite falls back to its default voice without a word, so unknown voices are refused here.
  voices: () => /Voices available:(.*)/.exec(execFileSync("flite", ["-lv"], { encoding: "utf8" }))?.[1]?.trim().split(/\s+/) ?? [],
};

const FESTIVAL: SubprocessSpec = {
  name: "festival",
  command: "text2wave",
  apt: "festival",
  defaultVoice: "kal_diphone",
  args: (_text, voice, stretch, output) => ["-o", output, "-eval", `(voice_${voice})`, "-eval", `(Parameter.set 'Duration_Stretch ${stretch})`],
  stdin: true,
};

/** Whether `command` is an executable on PATH. */
function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

/** Options of a subprocess engine. */
export interface SubprocessEngineOptions {
  /** Default voice (flite: slt, kal, awb, rms; festival: kal_diphone and any festvox voice installed). */
  voice?: string;
  /** Default rate, words per minute. Default 175. */
  rate?: number;
}

/** flite (apt package `flite`); rejects with TtsError "engine_unavailable" when it is not installed. */
export function createFliteEngine(options: SubprocessEngineOptions = {}): Promise<TtsEngine> {
  return create(FLITE, options);
}

/** festival's text2wave (apt packages `festival` and a voice such as `festvox-kallpc16k`); rejects with TtsError "engine_unavailable" when it is not installed. */
export function createFestivalEngine(options: SubprocessEngineOptions = {}): Promise<TtsEngine> {
  return create(FESTIVAL, options);
}

async function create(spec: SubprocessSpec, options: SubprocessEngineOptions): Promise<TtsEngine> {
  if (!onPath(spec.command)) throw new TtsError("engine_unavailable", `${spec.command} is not installed; install it with: apt-get install -y ${spec.apt}`);
  return new SubprocessEngine(spec, { voice: options.voice ?? spec.defaultVoice, rate: options.rate ?? 175 }, spec.voices?.());
}

/** One sentence being synthesised. */
interface Synthesis {
  result: Promise<{ samples: Int16Array; sampleRate: number }>;
  kill(): void;
}

class SubprocessEngine implements TtsEngine {
  readonly name: string;
  readonly #spec: SubprocessSpec;
  readonly #defaults: Required<SubprocessEngineOptions>;
  readonly #voices?: string[];
  readonly #running = new Set<Synthesis>();
  #closed = false;
  #files = 0;

  constructor(spec: SubprocessSpec, defaults: Required<SubprocessEngineOptions>, voices?: string[]) {
    this.name = spec.name;
    this.#spec = spec;
    this.#defaults = defaults;
    this.#voices = voices;
  }

  async *synthesize(text: string, options: TtsOptions = {}): AsyncGenerator<AudioFrame> {
    if (this.#closed) throw new TtsError("engine_closed", `the ${this.name} engine is closed`);
    const voice = options.voice ?? this.#defaults.voice;
    if (!VOICE_NAME.test(voice)) throw new TtsError("bad_voice", `${this.name} voice names are letters, digits and underscores, got "${voice}"`);
    if (this.#voices && !this.#voices.includes(voice)) throw new TtsError("bad_voice", `${this.name} has no voice "${voice}" (installed: ${this.#voices.join(", ")})`);
    const stretch = 175 / (options.rate ?? this.#defaults.rate);
    const pieces = splitSentences(text);
    let chunker: FrameChunker | undefined;
    let next = pieces.length > 0 ? this.#run(pieces[0]!.text, voice, stretch) : undefined;
    try {
      for (let i = 0; next && !options.signal?.aborted; i++) {
        const audio = await next.result;
        this.#running.delete(next);
        next = i + 1 < pieces.length ? this.#run(pieces[i + 1]!.text, voice, stretch) : undefined;
        chunker ??= new FrameChunker(audio.sampleRate);
        if (audio.sampleRate !== chunker.sampleRate) throw new TtsError("synthesis_failed", `${this.name} changed its sample rate mid-text`);
        for (const frame of chunker.push(audio.samples)) {
          if (options.signal?.aborted) return;
          yield frame;
        }
      }
      if (chunker && !options.signal?.aborted) yield* chunker.flush();
    } finally {
      if (next) {
        next.kill();
        this.#running.delete(next);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const synthesis of this.#running) synthesis.kill();
    this.#running.clear();
  }

  /**
   * Starts the synthesiser on one sentence; its result is the decoded WAV. It writes to a file, not
   * to a pipe: the synthesisers open their output by name, and Deno's pipes cannot be opened as /dev/stdout.
   */
  #run(text: string, voice: string, stretch: number): Synthesis {
    const spec = this.#spec;
    const output = join(tmpdir(), `parley-${spec.name}-${process.pid}-${++this.#files}.wav`);
    const child = spawn(spec.command, spec.args(text, voice, Number(stretch.toFixed(3)), output), { stdio: [spec.stdin ? "pipe" : "ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => (stderr += chunk));
    if (spec.stdin) child.stdin!.end(text);
    let killed = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    const result = new Promise<{ samples: Int16Array; sampleRate: number }>((resolve, reject) => {
      child.on("error", (error) => reject(new TtsError("engine_unavailable", `${spec.command} failed to start: ${error.message}`)));
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        try {
          if (killed) throw new TtsError("engine_closed", `${spec.command} was stopped`);
          // text2wave reports Scheme errors on stderr and still exits with 0.
          if (code !== 0 || /ERROR/.test(stderr) || !existsSync(output)) {
            const reason = /voice|unbound variable/i.test(stderr) ? "bad_voice" : "synthesis_failed";
            throw new TtsError(reason, `${spec.command} ${code === null ? `was killed (${signal})` : `exited with ${code}`}: ${stderr.trim().slice(0, 300)}`);
          }
          const wav = readWav(new Uint8Array(readFileSync(output)));
          resolve({ samples: wav.samples, sampleRate: wav.sampleRate });
        } catch (error) {
          reject(error instanceof TtsError ? error : new TtsError("synthesis_failed", `${spec.command} wrote no valid WAV: ${error instanceof Error ? error.message : String(error)}`));
        } finally {
          rmSync(output, { force: true });
        }
      });
    });
    // A sentence synthesised ahead and then abandoned must not surface as an unhandled rejection.
    result.catch(() => {});
    const synthesis: Synthesis = {
      result,
      kill: () => {
        killed = true;
        child.kill("SIGKILL");
      },
    };
    this.#running.add(synthesis);
    return synthesis;
  }
}
