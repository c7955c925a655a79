// Worker thread of a parallel synth (see synthesizeInWorkers in synth.ts): builds the cdktf app of
// its share of the countries and writes it, as a complete output tree, into the folder it is given.
// When asked to, it also renders the share's local charts (started before cdktf synthesizes, as a
// one-thread synth does) and posts them back by render key.
import { parentPort, workerData } from "node:worker_threads";
import { createApp } from "./app.js";
import { prefetchReleases, Renderings } from "./render.js";
import type { WorkerTask } from "./synth.js";

const { profiles, outdir, renderFor } = workerData as WorkerTask;
const app = createApp(profiles, outdir);
const renderings = new Renderings();
try {
  if (renderFor) prefetchReleases(app, renderFor, renderings);
  app.synth();
  if (renderFor) parentPort!.postMessage({ renderings: await renderings.settle() });
} finally {
  await renderings.close();
}
