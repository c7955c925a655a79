// Worker thread of a parallel synth (see synthesizeInWorkers in synth.ts): builds the cdktf app of
// its share of the countries and writes it, as a complete output tree, into the folder it is given.
// When asked to check it, it also renders the share's local charts (started before cdktf
// synthesizes, as a one-thread synth does), evaluates the share's residency packs and, if asked,
// runs their deploy-readiness check, and posts it all back: the renderings by render key, the
// findings by country.
import { parentPort, workerData } from "node:worker_threads";
import { createApp } from "./app.js";
import { collectObjectsDetailed } from "./collect.js";
import { prefetchReleases, Renderings } from "./render.js";
import { evaluateCountries } from "./residency.js";
import type { WorkerDone, WorkerTask } from "./synth.js";

const { profiles, outdir, checkFor, readiness } = workerData as WorkerTask;
const app = createApp(profiles, outdir);
const renderings = new Renderings();
try {
  if (checkFor) prefetchReleases(app, checkFor, renderings);
  app.synth();
  if (checkFor) {
    const made = await renderings.settle();
    const { objects, unrendered, terraform } = await collectObjectsDetailed(outdir, { renderings, chartsFrom: checkFor });
    const done: WorkerDone = { renderings: made, evaluated: [...evaluateCountries(profiles, objects, terraform)] };
    if (readiness) {
      const { checkCountries } = await import("@sovereign/readiness");
      done.readiness = [...checkCountries(profiles, { objects, unrendered })];
    }
    parentPort!.postMessage(done);
  }
} finally {
  await renderings.close();
}
