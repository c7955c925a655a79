import type { ObjectIndex } from "../objects.js";
import type { Json, PodUnderTest, RuleId } from "../types.js";

/** A claim a pod mounts: an existing PVC, a generic ephemeral volume or a StatefulSet claim template. */
export interface Claim {
  /** `pvc <ns>/<name>`, `ephemeral <volume>`, `template <name>`, for messages. */
  label: string;
  className: string;
  /** The StorageClass object when the synth creates it. */
  class?: Json;
  /** The claim's own metadata and spec (for the admission policies, as the controller creates it). */
  claim: Json;
}

/** A problem with a pod's claims that stops it before scheduling. */
export interface ClaimProblem {
  rule: RuleId;
  message: string;
  fix: string;
}

function templateClaims(p: PodUnderTest): { label: string; claim: Json }[] {
  const out: { label: string; claim: Json }[] = [];
  for (const v of (p.spec.volumes ?? []) as Json[]) {
    const t = v.ephemeral?.volumeClaimTemplate;
    // The ephemeral volume controller names the claim <pod>-<volume> and copies the template.
    if (t) out.push({ label: `ephemeral ${v.name}`, claim: { metadata: t.metadata ?? {}, spec: t.spec ?? {} } });
  }
  if (p.source.object.kind === "StatefulSet") {
    for (const t of ((p.source.object as Json).spec?.volumeClaimTemplates ?? []) as Json[])
      out.push({ label: `template ${t.metadata?.name}`, claim: t });
  }
  return out;
}

/**
 * The claims a pod mounts, resolved against the synthesized claims and classes; missing ones are
 * problems (a pod whose claim does not exist stays Pending).
 */
export function podClaims(p: PodUnderTest, ix: ObjectIndex): { claims: Claim[]; problems: ClaimProblem[] } {
  const claims: Claim[] = [];
  const problems: ClaimProblem[] = [];
  const resolve = (label: string, claim: Json) => {
    const className = claim.spec?.storageClassName as string | undefined;
    if (!className) {
      problems.push({
        rule: "volume.class",
        message: `claim ${label} names no storageClassName, so it falls to the cluster's default class, which the kit does not create or bind to the country's zones`,
        fix: "set storageClassName to one of the profile's storage classes",
      });
      return;
    }
    const cls = ix.storageClasses.get(className);
    if (!cls) {
      problems.push({
        rule: "volume.class",
        message: `claim ${label} uses StorageClass ${className}, which no stack creates`,
        fix: `use a class of spec.storage.classes (${[...ix.storageClasses.keys()].join(", ") || "none"})`,
      });
    }
    claims.push({ label, className, ...(cls ? { class: cls.object as Json } : {}), claim });
  };
  for (const v of (p.spec.volumes ?? []) as Json[]) {
    const name = v.persistentVolumeClaim?.claimName as string | undefined;
    if (!name) continue;
    const found = ix.claims.get(`${p.namespace}/${name}`);
    if (!found) {
      problems.push({
        rule: "volume.claim",
        message: `volume ${v.name} mounts claim ${p.namespace}/${name}, which no stack creates`,
        fix: "create the claim in the pod's namespace (a data class in spec.storage.dataClasses) or mount an existing one",
      });
      continue;
    }
    resolve(`pvc ${p.namespace}/${name}`, found.object as Json);
  }
  for (const t of templateClaims(p)) resolve(t.label, t.claim);
  return { claims, problems };
}
