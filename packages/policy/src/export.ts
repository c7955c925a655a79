import type { CountryProfile } from "@sovereign/profile";
import type { K8sObject } from "./types.js";

/** ValidatingAdmissionPolicy + bindings + params objects for the profile's packs. */
export function exportAdmission(_profile: CountryProfile): K8sObject[] {
  return [];
}
