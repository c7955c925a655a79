import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SynthObject } from "@sovereign/policy";
import { type CountryProfile, loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { collectObjectsDetailed, synthesizeCountry, type UnrenderedRelease } from "@sovereign/stacks";
import type { ReadinessFinding } from "../src/index.js";

/** A shipped country synthesized once: its objects (charts rendered) and unrendered releases. */
export interface Synthesized {
  profile: CountryProfile;
  objects: SynthObject[];
  unrendered: UnrenderedRelease[];
}

const dirs: string[] = [];

export async function synthesized(cc: string): Promise<Synthesized> {
  const profile = loadProfileFile(shippedProfilePath(cc));
  const dir = mkdtempSync(join(tmpdir(), `readiness-${cc}-`));
  dirs.push(dir);
  await synthesizeCountry(profile, dir);
  const { objects, unrendered } = await collectObjectsDetailed(dir);
  return { profile, objects, unrendered };
}

export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A finding as one comparable line: rule, object and stack. */
export function key(f: ReadinessFinding): string {
  return `${f.ruleId} ${f.stack} ${f.object.kind} ${f.object.namespace ?? ""}/${f.object.name}`;
}

/** A deep copy of the objects with `mutate` applied to the first object `pick` selects. */
export function mutated(
  objects: SynthObject[],
  pick: (o: SynthObject) => boolean,
  mutate: (o: Record<string, any>) => void,
): SynthObject[] {
  const copy = structuredClone(objects);
  const target = copy.find(pick);
  if (!target) throw new Error("mutation target not found");
  mutate(target.object as Record<string, any>);
  return copy;
}

export const byKind =
  (kind: string, name?: string | RegExp, namespace?: string) =>
  (o: SynthObject): boolean =>
    o.object.kind === kind &&
    (name === undefined ||
      (typeof name === "string" ? o.object.metadata.name === name : name.test(o.object.metadata.name ?? ""))) &&
    (namespace === undefined || o.object.metadata.namespace === namespace);
