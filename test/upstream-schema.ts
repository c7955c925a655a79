/**
 * Validates objects of the kit against the CRD schema facts recorded from the pinned upstream tags
 * (upstream/*.json). Stricter than the API server in one way on purpose: a
 * field the schema does not list is an error here (the API server would drop it silently), so a
 * misspelt or invented field cannot pass. Embedded core types (JobSet's Job template) are marked
 * in the record and checked against the Kubernetes schemas separately.
 */
import { JOBSET, KEDA, KUEUE, type UpstreamRecord } from "@sovereign/constructs";
import { Ajv, type ValidateFunction } from "ajv";

type Schema = Record<string, unknown>;

function strict(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "format" || k === "x-kubernetes-int-or-string") continue;
    if (k === "properties") {
      out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, sub]) => [p, strict(sub)]));
    } else if ((k === "items" || k === "additionalProperties") && typeof v === "object") out[k] = strict(v as Schema);
    else if (k === "anyOf") out[k] = (v as Schema[]).map(strict);
    else out[k] = v;
  }
  if (s["x-kubernetes-int-or-string"]) delete out.type;
  if (out.properties && !s["x-kubernetes-preserve-unknown-fields"] && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, { record: Pick<UpstreamRecord, "component" | "crds">; validate: ValidateFunction }>();
for (const record of [KUEUE, JOBSET, KEDA]) {
  for (const crd of record.crds) {
    validators.set(`${crd.group}/${crd.version}/${crd.kind}`, { record, validate: ajv.compile(strict(crd.schema)) });
  }
}

/** Errors of an object against its recorded schema; undefined when no record covers its kind. */
export function recordedSchemaErrors(o: { apiVersion: string; kind: string }): string[] | undefined {
  const v = validators.get(`${o.apiVersion}/${o.kind}`);
  if (!v) return undefined;
  return v.validate(o) ? [] : (v.validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Every recorded custom kind as `group/version/Kind`. */
export const RECORDED_KINDS = [...validators.keys()];
