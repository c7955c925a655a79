// What a worker thread of a parallel synth does (see synthesizeInWorkers in synth.ts): builds the
// cdktf app of its share of the countries and writes it, as a complete output tree, into the
// folder it is given. When asked to check it, it also renders the share's local charts (started
// before cdktf synthesizes, as a one-thread synth does), evaluates the share's residency packs
// and, if asked, runs their deploy-readiness check, and posts it all back: the renderings by
// render key, the findings by country. Started by synth-worker.ts (compiled modules) or by the
// CLI bundle's own worker entry (packages/cli/bin/synth-worker.js).
import type { MessagePort } from "node:worker_threads";
import { createApp } from "./app.js";
import { collectObjectsDetailed } from "./collect.js";
import { prefetchReleases, Renderings } from "./render.js";
import { evaluateCountries } from "./residency.js";
import type { WorkerDone, WorkerTask } from "./synth.js";

export async function runSynthWorker(task: WorkerTask, port: MessagePort): Promise<void> {
  const { profiles, outdir, checkFor, readiness } = task;
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
      port.postMessage(done);
    }
  } finally {
    await renderings.close();
  }
}
