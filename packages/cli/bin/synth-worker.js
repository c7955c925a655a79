// Worker thread of a parallel synth when the CLI runs from its one-file bundle (the bin points
// stacks' synthesizeCountries here): loads the same bundle, with its code cache, and runs the
// worker's task from it. A thread then starts in about the time the bin does, instead of loading
// the kit's compiled modules one by one (about 1 s of CPU per thread).
import { parentPort, workerData } from "node:worker_threads";
import { loadBundle } from "./load-bundle.js";

const { exports } = loadBundle(new URL("../dist/sovereign.cjs", import.meta.url));
const { runSynthWorker } = await exports.entries.synthWorker();
await runSynthWorker(workerData, parentPort);
