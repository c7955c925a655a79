/**
 * Which Kubernetes version first accepts each CEL library in a new ValidatingAdmissionPolicy
 * expression. Recorded from the API server's base CEL environment
 * (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/cel/environment/base.go at commit
 * 002315b9745c1ca0f15295ab870e0b4b56203b0e, `baseOptsWithoutStrictCost`, field IntroducedVersion)
 * and cel-go ext/strings.go for the strings extension's function list.
 *
 * The compatibility rule: the API server compiles a new or changed expression against the
 * environment of its minimum compatibility version, which is one minor version below its own
 * (`DefaultCompatibilityVersion` returns the effective version's MinCompatibilityVersion, n-1), so
 * that a rollback to n-1 can still read everything stored. A library introduced in 1.x is
 * therefore usable in new expressions from 1.(x+1). Stored expressions keep working either way.
 */

/** One library of the base environment and when it was introduced. */
export interface CelLibrary {
  /** Library name as base.go names it. */
  name: string;
  /** `IntroducedVersion` in base.go (major.minor). `1.0` marks the libraries present from the start. */
  introduced: string;
  /** CEL function and method names the library adds (as they appear in a parsed expression). */
  functions: string[];
}

/** Where the table was read from (data, for the report and the docs). */
export const CEL_VERSION_SOURCE = {
  repository: "github.com/kubernetes/kubernetes",
  file: "staging/src/k8s.io/apiserver/pkg/cel/environment/base.go",
  commit: "002315b9745c1ca0f15295ab870e0b4b56203b0e",
} as const;

/** The libraries the offline evaluator implements, with their introduction versions. */
export const CEL_LIBRARIES: readonly CelLibrary[] = [
  {
    name: "CEL standard library and macros",
    introduced: "1.0",
    functions: [
      "size", "matches", "contains", "startsWith", "endsWith", "int", "uint", "double", "string", "bytes",
      "bool", "type", "dyn", "duration", "timestamp", "getFullYear", "getMonth", "getDayOfYear",
      "getDayOfMonth", "getDate", "getDayOfWeek", "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    ],
  },
  {
    name: "ext.Strings (version 0, version 2 from 1.29)",
    introduced: "1.0",
    functions: ["charAt", "indexOf", "lastIndexOf", "lowerAscii", "upperAscii", "replace", "split", "substring", "trim", "join"],
  },
  {
    name: "library.URLs",
    introduced: "1.0",
    functions: ["url", "isURL", "getScheme", "getHost", "getHostname", "getPort", "getEscapedPath", "getQuery"],
  },
  { name: "library.Regex", introduced: "1.0", functions: ["find", "findAll"] },
  {
    name: "library.Quantity",
    introduced: "1.28",
    functions: [
      "quantity", "isQuantity", "isInteger", "asInteger", "asApproximateFloat", "sign", "add", "sub",
      "isLessThan", "isGreaterThan", "compareTo",
    ],
  },
  {
    name: "library.IP",
    introduced: "1.30",
    functions: [
      "ip", "isIP", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast", "isLinkLocalUnicast",
      "isGlobalUnicast",
    ],
  },
  {
    name: "library.CIDR",
    introduced: "1.30",
    functions: ["cidr", "isCIDR", "containsIP", "containsCIDR", "masked", "prefixLength"],
  },
];

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is served (GA) from this version. */
export const VAP_V1_VERSION = "1.30";

const parse = (v: string) => v.split(".").map(Number) as [number, number];
const cmp = (a: string, b: string) => {
  const [am, an] = parse(a);
  const [bm, bn] = parse(b);
  return am - bm || an - bn;
};

/** First version whose API server accepts the library in a new expression (introduced + 1 minor). */
export function usableFrom(lib: CelLibrary): string {
  const [major, minor] = parse(lib.introduced);
  return major === 1 && minor === 0 ? "1.0" : `${major}.${minor + 1}`;
}

/** The library that provides a function name, or undefined when none of the table does. */
export function libraryOf(fn: string): CelLibrary | undefined {
  // ip() exists in both IP (constructor) and CIDR (method); both arrived in the same release.
  return CEL_LIBRARIES.find((l) => l.functions.includes(fn));
}

/**
 * Minimum Kubernetes version (major.minor) whose API server accepts every function in `fns` in a
 * new ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1). Unknown functions are listed in
 * `unknown` so a caller (a test) can refuse them.
 */
export function minKubernetesVersion(fns: Iterable<string>): { version: string; unknown: string[] } {
  let version = VAP_V1_VERSION;
  const unknown: string[] = [];
  for (const fn of fns) {
    if (/^[_@!-]/.test(fn)) continue; // operators
    const lib = libraryOf(fn);
    if (!lib) {
      unknown.push(fn);
      continue;
    }
    const v = usableFrom(lib);
    if (cmp(v, version) > 0) version = v;
  }
  return { version, unknown: [...new Set(unknown)].sort() };
}

/**
 * The Kubernetes version the kit declares for its admission policies. A test checks that the
 * shipped packs need no newer one (minKubernetesVersion over every expression).
 */
export const MIN_KUBERNETES_VERSION = "1.31";
