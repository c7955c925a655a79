/**
 * Kubernetes resource quantities (`500Gi`, `2Ti`, `1.5`, `100m`, `1e3`), as the API server
 * accepts them. Parsing to bytes lets checks compare sizes without a cluster.
 */
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** True when `s` is a valid Kubernetes quantity. */
export function isQuantity(s: string): boolean {
  return QUANTITY.test(s);
}

/** Numeric value of a quantity (bytes for storage sizes); throws on an invalid quantity. */
export function parseQuantity(s: string): number {
  const m = QUANTITY.exec(s);
  if (!m) throw new Error(`invalid quantity ${JSON.stringify(s)}`);
  const [, sign, num, suffix, exp] = m;
  const base = Number(num) * (sign === "-" ? -1 : 1);
  if (suffix) return base * SUFFIX[suffix]!;
  if (exp) return base * 10 ** Number(exp);
  return base;
}
