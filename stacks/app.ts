import { App, type Construct, resolvePlainDataDirectly, skipCreationStacks } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import { GpuStack } from "./gpu.js";
import { PlatformStack } from "./platform.js";
import { ServingStack } from "./serving.js";
import { StorageStack } from "./storage.js";
import { CrdsStack } from "./crds.js";
import { hasTraining, TrainingStack } from "./training.js";

/** The stacks of one country. */
export interface CountryStacks {
  platform: PlatformStack;
  gpu: GpuStack;
  storage: StorageStack;
  serving: ServingStack;
  /** Controllers that install CRDs; present only for profiles with a training pool and `spec.training`. */
  crds?: CrdsStack;
  /** Training queues; present only for profiles with a training pool and `spec.training`. */
  training?: TrainingStack;
}

/** Stack kinds in deployment order. */
export const STACK_KINDS = ["platform", "gpu", "storage", "serving", "crds", "training"] as const;

/**
 * Adds a country's stacks to an app, with explicit dependencies so `cdktf deploy` (and anyone
 * reading the manifest) applies them in order: platform, then gpu and storage, then serving; with a
 * training pool also crds (after platform) and training (after crds, gpu and storage).
 */
export function addCountry(app: Construct, profile: CountryProfile): CountryStacks {
  const cc = profile.metadata.name;
  const platform = new PlatformStack(app, `${cc}-platform`, profile);
  const gpu = new GpuStack(app, `${cc}-gpu`, profile);
  const storage = new StorageStack(app, `${cc}-storage`, profile);
  const serving = new ServingStack(app, `${cc}-serving`, profile);
  gpu.addDependency(platform);
  storage.addDependency(platform);
  serving.addDependency(gpu);
  serving.addDependency(storage);
  if (!hasTraining(profile)) return { platform, gpu, storage, serving };
  // CRDs before any stack planning their kinds; training after the pools and volumes it queues on.
  const crds = new CrdsStack(app, `${cc}-crds`, profile);
  crds.addDependency(platform);
  const training = new TrainingStack(app, `${cc}-training`, profile);
  training.addDependency(crds);
  training.addDependency(gpu);
  training.addDependency(storage);
  return { platform, gpu, storage, serving, crds, training };
}

/** Adds an integrator's own constructs to a country's stacks, after the kit's. */
export type Customize = (stacks: CountryStacks, profile: CountryProfile) => void;

/** A cdktf app for the given countries, writing to `outdir`. */
export function createApp(profiles: CountryProfile[], outdir: string, customize?: Customize): App {
  // No stack traces in construct metadata: they hold absolute paths and differ per machine.
  const app = new App({ outdir, stackTraces: false });
  // ... nor in token creation stacks, which cost a third of a large synth's CPU (see skipCreationStacks).
  skipCreationStacks();
  // ... and plain data is copied, not walked token by token, each of the three times synth resolves it.
  resolvePlainDataDirectly();
  for (const p of profiles) {
    const stacks = addCountry(app, p);
    customize?.(stacks, p);
  }
  return app;
}
