/**
 * Validates Kubernetes objects against the Kubernetes OpenAPI schemas compiled into
 * kubernetes-models (core groups) and @kubernetes-models/gateway-api (Gateway API).
 * Boundary: these schemas do not forbid unknown fields (the API server's strict field
 * validation does), and kinds outside both packages (CRDs such as the GPU Operator's) are
 * reported as not covered instead of passing silently.
 */
interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

const cache = new Map<string, ModelClass | null>();

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | null> {
  const key = `${apiVersion}/${kind}`;
  if (cache.has(key)) return cache.get(key)!;
  const specifier = apiVersion.startsWith("gateway.networking.k8s.io/")
    ? `@kubernetes-models/gateway-api/${apiVersion}/${kind}`
    : `kubernetes-models/${apiVersion}/${kind}`;
  let cls: ModelClass | null = null;
  try {
    const mod = (await import(specifier)) as Record<string, ModelClass>;
    cls = mod[kind] ?? null;
  } catch {
    cls = null;
  }
  cache.set(key, cls);
  return cls;
}

/** Result of validating one object. */
export interface SchemaResult {
  /** `apiVersion/Kind name`. */
  ref: string;
  /** False when no schema covers the kind. */
  covered: boolean;
  /** Validation error text, when invalid. */
  error?: string;
}

/** Validates one object; never throws. */
export async function validateObject(o: {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}): Promise<SchemaResult> {
  const ref = `${o.apiVersion}/${o.kind} ${o.metadata?.name ?? "?"}`;
  const cls = await modelFor(o.apiVersion, o.kind);
  if (!cls) return { ref, covered: false };
  try {
    new cls(o).validate();
    return { ref, covered: true };
  } catch (e) {
    return { ref, covered: true, error: (e as Error).message };
  }
}
