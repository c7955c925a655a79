import type { CountryProfile } from "@sovereign/profile";
import type { TrainingRecipe } from "../recipe/schema.js";

/** One image the bundle's stacks, profile or recipe reference, pinned by digest. */
export interface ImageRef {
  ref: string;
  repository: string;
  digest: string;
  /** Where it was found, e.g. `profile:spec.serving.models[0].image` or `synth:stacks/th-gpu/cdk.tf.json`. */
  sources: string[];
}

const IMAGE_RE = /[a-z0-9][a-z0-9.-]*(?::\d+)?(?:\/[A-Za-z0-9._\-/]+)+@sha256:[0-9a-f]{64}/g;

/** Every image reference from the profile, the recipe and the synthesized files, sorted, deduplicated. */
export function collectImages(
  profile: CountryProfile,
  recipe: TrainingRecipe | undefined,
  synthFiles: readonly { path: string; text: string }[],
): ImageRef[] {
  const byRef = new Map<string, Set<string>>();
  const add = (ref: string, source: string) => {
    const s = byRef.get(ref) ?? new Set<string>();
    s.add(source);
    byRef.set(ref, s);
  };
  for (const [i, m] of profile.spec.serving.models.entries())
    add(m.image, `profile:spec.serving.models[${i}].image`);
  for (const [k, v] of Object.entries(profile.spec.gpuOperator?.images ?? {}))
    add(v, `profile:spec.gpuOperator.images.${k}`);
  if (recipe) add(recipe.spec.image, "recipe:spec.image");
  for (const f of synthFiles) for (const m of f.text.matchAll(IMAGE_RE)) add(m[0], `synth:${f.path}`);
  return [...byRef.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ref, sources]) => {
      const at = ref.lastIndexOf("@");
      return { ref, repository: ref.slice(0, at), digest: ref.slice(at + 1), sources: [...sources].sort() };
    });
}
