import type { Json, NodeTaint } from "./types.js";

type Labels = Record<string, string>;

/** One requirement of a label selector or node selector term. */
function requirement(labels: Labels, e: Json): boolean {
  const has = Object.hasOwn(labels, e.key);
  const v = labels[e.key];
  const values: string[] = (e.values ?? []).map(String);
  switch (e.operator) {
    case "In":
      return has && values.includes(v!);
    case "NotIn":
      return !has || !values.includes(v!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      // Node selector only: one integer value, compared with the label parsed as an integer.
      if (!has || values.length !== 1 || !/^-?\d+$/.test(v!) || !/^-?\d+$/.test(values[0]!)) return false;
      return e.operator === "Gt" ? Number(v) > Number(values[0]) : Number(v) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** metav1.LabelSelector: matchLabels and matchExpressions all hold; an empty selector selects everything. */
export function matchesLabelSelector(labels: Labels, selector: Json | undefined | null): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Labels))
    if (labels[k] !== v) return false;
  return ((selector.matchExpressions ?? []) as Json[]).every((e) => requirement(labels, e));
}

/**
 * Required node affinity: the terms are ORed, the expressions of a term ANDed; a term with no
 * expressions matches no node, and `matchFields` (node names) never matches a declared node group.
 */
function matchesNodeTerms(labels: Labels, terms: Json[]): boolean {
  return terms.some((t) => {
    const exprs = (t.matchExpressions ?? []) as Json[];
    if ((t.matchFields ?? []).length > 0 || exprs.length === 0) return false;
    return exprs.every((e) => requirement(labels, e));
  });
}

/** Why a node's labels do not fit a pod's nodeSelector and required node affinity, or undefined when they do. */
export function nodeSelectionMismatch(labels: Labels, spec: Json): string | undefined {
  for (const [k, v] of Object.entries((spec.nodeSelector ?? {}) as Labels))
    if (labels[k] !== v) return `nodeSelector ${k}=${v} (node has ${k}=${labels[k] ?? "<unset>"})`;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !matchesNodeTerms(labels, (required.nodeSelectorTerms ?? []) as Json[]))
    return `required node affinity ${JSON.stringify(required.nodeSelectorTerms ?? [])}`;
  return undefined;
}

/**
 * Taint/toleration matching: keys equal (an empty key with Exists matches every key), effects equal
 * (an empty effect matches every effect), and Exists ignores the value while Equal (the default
 * operator) needs it equal.
 */
export function tolerates(tolerations: Json[], taint: NodeTaint): boolean {
  return tolerations.some((t) => {
    const op = t.operator ?? "Equal";
    if (t.effect && t.effect !== taint.effect) return false;
    if (op === "Exists") return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}
