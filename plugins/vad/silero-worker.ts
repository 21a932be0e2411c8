// Worker thread of the Silero VAD: runs the ONNX model (onnxruntime-node) for every stream of the
// process, so the ~0.1-0.3 ms each 32 ms window costs never lands on the main event loop.
// Protocol: see silero-protocol.ts.
import ort from "onnxruntime-node";
import { parentPort, workerData } from "node:worker_threads";
import { CONTEXT_SAMPLES, type SileroReply, type SileroRequest, WINDOW_SAMPLES } from "./silero-protocol.ts";

/** One stream's recurrent state and the tail of its previous window (the model's left context). */
interface StreamState {
  state: ort.Tensor;
  input: Float32Array;
}

const port = parentPort!;
const { modelPath } = workerData as { modelPath: string };
const streams = new Map<number, StreamState>();
const sampleRate = new ort.Tensor("int64", BigInt64Array.from([16000n]), []);
let queue: Promise<unknown> = Promise.resolve();

function reply(message: SileroReply): void {
  port.postMessage(message);
}

const loading = ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" });
loading.then(
  () => reply({ type: "ready" }),
  (error) => reply({ type: "failed", message: `cannot load the Silero model ${modelPath}: ${error instanceof Error ? error.message : String(error)}` }),
);

async function classify(session: ort.InferenceSession, id: number, samples: Int16Array): Promise<void> {
  const stream = streams.get(id);
  if (!stream) return;
  const probabilities = new Float32Array(samples.length / WINDOW_SAMPLES);
  for (let w = 0; w < probabilities.length; w++) {
    const input = stream.input;
    input.copyWithin(0, WINDOW_SAMPLES);
    for (let i = 0; i < WINDOW_SAMPLES; i++) input[CONTEXT_SAMPLES + i] = samples[w * WINDOW_SAMPLES + i]! / 32768;
    const out = await session.run({ input: new ort.Tensor("float32", input.slice(), [1, input.length]), state: stream.state, sr: sampleRate });
    stream.state = out.stateN!;
    probabilities[w] = (out.output!.data as Float32Array)[0]!;
  }
  reply({ type: "probabilities", stream: id, values: probabilities });
}

async function handle(message: SileroRequest): Promise<void> {
  const session = await loading;
  switch (message.type) {
    case "open":
      streams.set(message.stream, {
        state: new ort.Tensor("float32", new Float32Array(2 * 128), [2, 1, 128]),
        input: new Float32Array(CONTEXT_SAMPLES + WINDOW_SAMPLES),
      });
      break;
    case "audio":
      await classify(session, message.stream, new Int16Array(message.samples));
      break;
    case "close":
      streams.delete(message.stream);
      break;
  }
}

port.on("message", (message: SileroRequest) => {
  // One inference at a time, in arrival order: a stream's windows must see their state in sequence.
  queue = queue.then(() => handle(message)).catch((error) => {
    reply({ type: "error", stream: message.stream, message: error instanceof Error ? error.message : String(error) });
  });
});
