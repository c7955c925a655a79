// Worker thread of a parallel synth (see synthesizeInWorkers in synth.ts): builds the cdktf app of
// its share of the countries and writes it, as a complete output tree, into the folder it is given.
import { workerData } from "node:worker_threads";
import type { CountryProfile } from "@sovereign/profile";
import { createApp } from "./app.js";

const { profiles, outdir } = workerData as { profiles: CountryProfile[]; outdir: string };
createApp(profiles, outdir).synth();
