import type { EvaluateInput, Finding } from "./types.js";

/** Runs every applicable rule of the profile's packs over every object and the Terraform JSON. */
export function evaluate(_input: EvaluateInput): Finding[] {
  return [];
}
