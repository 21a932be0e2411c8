// The biometrics API's analysis worker, seen from the main thread, and the bound on the requests
// it takes. A request holds its place from before its body is read until its result is back, so
// however many clients post at once, at most `1 + maxWaiting` bodies are in memory and the rest
// are refused at once with `busy` instead of piling up.
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../core/mod.ts";
import type { GmmStatistics } from "../../media/mod.ts";
import type { AnalysisReply, AnalysisRequest, AnalysisWorkerData } from "./analysis-protocol.ts";
import type { Enrollment, EnrollmentBase } from "./audio-analysis.ts";
import { BiometricsError } from "./BiometricsError.ts";
import type { BiometricsWeights } from "./model.ts";
import type { BiometricsLimits, Verification } from "./verification.ts";

/** A job waiting for its reply. */
interface PendingJob {
  resolve(reply: AnalysisReply): void;
  reject(error: BiometricsError): void;
}

/** Distributes the `Omit` over a union, so each request keeps its own fields. */
type WithoutJob<T> = T extends unknown ? Omit<T, "job"> : never;

/** One analysis worker (started by `start` or on first use, restarted after a crash) and the places of the requests it serves. */
export class AnalysisQueue {
  readonly #weights: BiometricsWeights;
  readonly #places: number;
  readonly #jobs = new Map<number, PendingJob>();
  #admitted = 0;
  #nextJob = 0;
  #worker?: Worker;
  #closed = false;

  /** A queue for `weights`, admitting one request in analysis and `maxWaiting` more. */
  constructor(weights: BiometricsWeights, readonly maxWaiting: number) {
    this.#weights = weights;
    this.#places = 1 + maxWaiting;
  }

  /** Requests holding a place: being read, waiting or in analysis. */
  get admitted(): number {
    return this.#admitted;
  }

  /** Runs `work` (reading a request's audio, then analysing it) in a free place; throws busy when every place is taken. */
  async admit<T>(work: () => Promise<T>): Promise<T> {
    if (this.#admitted >= this.#places) {
      throw new BiometricsError("busy", `${this.#admitted} voice analyses are running or waiting, as many as this server takes at once; try again shortly`);
    }
    this.#admitted++;
    try {
      return await work();
    } finally {
      this.#admitted--;
    }
  }

  /** Scores a WAV file against the voiceprint of `statistics`, in the worker. */
  async verify(wav: Uint8Array, statistics: GmmStatistics, limits: BiometricsLimits): Promise<Verification> {
    const reply = await this.#run({ type: "verify", wav, statistics, limits });
    if (reply.type !== "verified") throw new BiometricsError("analysis_failed", `unexpected reply ${reply.type}`);
    return reply.verification;
  }

  /** Adds a WAV file's speech to `base` (or to new statistics), in the worker. */
  async enroll(wav: Uint8Array, base: EnrollmentBase | undefined, limits: BiometricsLimits): Promise<Enrollment> {
    const reply = await this.#run({ type: "enroll", wav, base, limits });
    if (reply.type !== "enrolled") throw new BiometricsError("analysis_failed", `unexpected reply ${reply.type}`);
    return reply.enrollment;
  }

  /** Starts the worker now rather than on the first request (on Deno, starting one costs the event loop tens of ms). */
  start(): void {
    if (!this.#closed && !this.#worker) this.#start().unref();
  }

  /** Stops the worker; jobs still running fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#forget(new BiometricsError("analysis_failed", "the biometrics service is closing"));
    await worker?.terminate();
  }

  #run(request: WithoutJob<AnalysisRequest>): Promise<AnalysisReply> {
    if (this.#closed) return Promise.reject(new BiometricsError("analysis_failed", "the biometrics service is closed"));
    const worker = this.#worker ?? this.#start();
    const job = ++this.#nextJob;
    const reply = new Promise<AnalysisReply>((resolve, reject) => this.#jobs.set(job, { resolve, reject }));
    // The body is handed over, not copied, when it owns its whole buffer.
    const { wav } = request;
    const transfer = wav.byteOffset === 0 && wav.byteLength === wav.buffer.byteLength && wav.buffer instanceof ArrayBuffer ? [wav.buffer] : [];
    worker.ref();
    worker.postMessage({ ...request, job }, transfer);
    return reply.then((answer) => {
      if (answer.type === "failed") throw new BiometricsError(answer.reason, answer.message);
      return answer;
    });
  }

  #start(): Worker {
    const data: AnalysisWorkerData = { weights: this.#weights };
    const worker = startWorker(new URL("./analysis-worker.ts", import.meta.url), { workerData: data, name: "parley-biometrics-analysis" });
    worker.on("message", (reply: AnalysisReply) => {
      const job = this.#jobs.get(reply.job);
      this.#jobs.delete(reply.job);
      if (this.#jobs.size === 0) worker.unref();
      job?.resolve(reply);
    });
    worker.on("error", (error) => this.#lose(worker, `the analysis worker failed: ${error.message}`));
    worker.on("exit", (code) => this.#lose(worker, `the analysis worker exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }

  /** A worker that died takes its jobs with it; the next request starts another. */
  #lose(worker: Worker, message: string): void {
    if (this.#worker !== worker) return;
    this.#forget(new BiometricsError("analysis_failed", message));
    void worker.terminate();
  }

  #forget(error: BiometricsError): void {
    this.#worker = undefined;
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) job.reject(error);
  }
}
