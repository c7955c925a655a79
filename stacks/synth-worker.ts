// Worker thread of a parallel synth on the compiled modules (see synth-worker-run.ts).
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerTask } from "./synth.js";
import { runSynthWorker } from "./synth-worker-run.js";

await runSynthWorker(workerData as WorkerTask, parentPort!);
