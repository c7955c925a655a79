import {
  type CelFunc,
  type CelMap,
  CelScalar,
  type CelValue,
  celFunc,
  celList,
  celMap,
  celMethod,
  isCelError,
  isCelMap,
  listType,
  mapType,
  run,
} from "@bufbuild/cel";
import { parseIp } from "@sovereign/profile";

/**
 * The Kubernetes CEL libraries the packs use (URL, IP/CIDR, quantity, regex find), implemented
 * after the behaviour documented for k8s.io/apiserver/pkg/cel/library. Library values (URL, IP,
 * CIDR, Quantity) are opaque in Kubernetes; here they are maps with a hidden tag and a canonical
 * value, so `==` compares them by value as the API server does.
 */

const TAG = "@k8s";
type Kind = "URL" | "IP" | "CIDR" | "Quantity";
const ANY_MAP = mapType(CelScalar.DYN, CelScalar.DYN);
const { STRING, BOOL, INT, DYN, DOUBLE } = CelScalar;

function opaque(kind: Kind, value: string): CelMap {
  return celMap(
    new Map<string, CelValue>([
      [TAG, kind],
      ["v", value],
    ]),
  );
}

function unwrap(kind: Kind, v: unknown): string {
  if (isCelMap(v) && v.get(TAG) === kind) return v.get("v") as string;
  throw new Error(`no such overload: expected ${kind}`);
}

// ---------------------------------------------------------------- URL

interface ParsedUrl {
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  path: string;
  query: string;
}

/**
 * Parses like Go's url.ParseRequestURI (what the Kubernetes URL library uses): an absolute URL
 * with a scheme, or an absolute path. Host and port are kept verbatim (no default-port removal).
 */
export function parseRequestUri(s: string): ParsedUrl | null {
  // ParseRequestURI refuses control characters; a #fragment stays part of the input
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  if (s === "" || /[\x00-\x1f\x7f]/.test(s)) return null;
  let rest = s;
  let query = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (rest.startsWith("/")) {
    if (rest.startsWith("//")) return null;
    return { scheme: "", host: "", hostname: "", port: "", path: rest, query };
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(rest);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  let after = m[2]!;
  if (!after.startsWith("//")) {
    // opaque form (mailto:x) is rejected by ParseRequestURI unless it is rooted
    if (!after.startsWith("/")) return null;
    return { scheme, host: "", hostname: "", port: "", path: after, query };
  }
  after = after.slice(2);
  const slash = after.indexOf("/");
  let authority = slash >= 0 ? after.slice(0, slash) : after;
  const path = slash >= 0 ? after.slice(slash) : "";
  const at = authority.lastIndexOf("@");
  if (at >= 0) authority = authority.slice(at + 1);
  let hostname: string;
  let port = "";
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) return null;
    hostname = authority.slice(1, close);
    const tail = authority.slice(close + 1);
    if (tail !== "") {
      if (!/^:\d*$/.test(tail)) return null;
      port = tail.slice(1);
    }
    if (!parseIp(hostname.split("%")[0]!)) return null;
  } else {
    const colon = authority.indexOf(":");
    hostname = colon >= 0 ? authority.slice(0, colon) : authority;
    if (colon >= 0) {
      port = authority.slice(colon + 1);
      if (!/^\d*$/.test(port)) return null;
    }
    if (/[^A-Za-z0-9\-._~!$&'()*+,;=%]/.test(hostname)) return null;
  }
  return { scheme, host: authority, hostname, port, path, query };
}

function escapePath(p: string): string {
  let out = "";
  for (const ch of p) {
    if (/[A-Za-z0-9\-._~$&+,/:;=@!'()*]/.test(ch)) out += ch;
    else if (ch === "%") out += ch;
    else
      for (const b of new TextEncoder().encode(ch))
        out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function urlOf(v: unknown): ParsedUrl {
  return parseRequestUri(unwrap("URL", v))!;
}

function queryMap(q: string): CelMap {
  const m = new Map<string, string[]>();
  if (q !== "") {
    for (const part of q.split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const k = decodeURIComponent((eq >= 0 ? part.slice(0, eq) : part).replace(/\+/g, " "));
      const v = eq >= 0 ? decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " ")) : "";
      m.set(k, [...(m.get(k) ?? []), v]);
    }
  }
  return celMap(new Map([...m].map(([k, v]) => [k, celList(v)])));
}

const urlFuncs: CelFunc[] = [
  celFunc("isURL", [STRING], BOOL, (s) => parseRequestUri(s) !== null),
  celFunc("url", [STRING], ANY_MAP, (s) => {
    if (parseRequestUri(s) === null) throw new Error(`URL parse error during conversion from string: ${s}`);
    return opaque("URL", s);
  }),
  celMethod("getScheme", ANY_MAP, [], STRING, function () {
    return urlOf(this).scheme;
  }),
  celMethod("getHost", ANY_MAP, [], STRING, function () {
    return urlOf(this).host;
  }),
  celMethod("getHostname", ANY_MAP, [], STRING, function () {
    return urlOf(this).hostname;
  }),
  celMethod("getPort", ANY_MAP, [], STRING, function () {
    return urlOf(this).port;
  }),
  celMethod("getEscapedPath", ANY_MAP, [], STRING, function () {
    return escapePath(urlOf(this).path);
  }),
  celMethod("getQuery", ANY_MAP, [], ANY_MAP, function () {
    return queryMap(urlOf(this).query);
  }),
];

// ---------------------------------------------------------------- IP / CIDR

/**
 * Kubernetes' IP library is stricter than most parsers: no zones, no IPv4-mapped IPv6, no leading
 * zeros in IPv4 octets (parseIp already refuses those).
 */
function ipBytes(s: string): number[] | null {
  if (s.includes("%")) return null;
  const b = parseIp(s);
  if (!b) return null;
  if (b.length === 16 && s.includes(".")) return null;
  return b;
}

function formatIp(b: number[]): string {
  if (b.length === 4) return b.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: compress the longest run (>= 2) of zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function parseCidrStrict(s: string): { bytes: number[]; prefix: number } | null {
  const slash = s.indexOf("/");
  if (slash < 0) return null;
  const bytes = ipBytes(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!bytes || !/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith("0"))) return null;
  const prefix = Number(p);
  if (prefix > bytes.length * 8) return null;
  return { bytes, prefix };
}

function mask(bytes: number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
}

function cidrOf(v: unknown) {
  return parseCidrStrict(unwrap("CIDR", v))!;
}

function ipArg(v: unknown): number[] {
  if (typeof v === "string") {
    const b = ipBytes(v);
    if (!b) throw new Error(`IP Address ${JSON.stringify(v)} parse error during conversion from string`);
    return b;
  }
  return ipBytes(unwrap("IP", v))!;
}

function cidrArg(v: unknown) {
  if (typeof v === "string") {
    const c = parseCidrStrict(v);
    if (!c) throw new Error(`network address parse error during conversion from string: ${v}`);
    return c;
  }
  return cidrOf(v);
}

function within(net: { bytes: number[]; prefix: number }, addr: number[], prefix: number): boolean {
  if (net.bytes.length !== addr.length || prefix < net.prefix) return false;
  const a = mask(net.bytes, net.prefix);
  const b = mask(addr, net.prefix);
  return a.every((x, i) => x === b[i]);
}

function ipOf(v: unknown): number[] {
  return ipBytes(unwrap("IP", v))!;
}

const ipFuncs: CelFunc[] = [
  celFunc("isIP", [STRING], BOOL, (s) => ipBytes(s) !== null),
  celFunc("ip", [STRING], ANY_MAP, (s) => {
    const b = ipBytes(s);
    if (!b) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string`);
    return opaque("IP", formatIp(b));
  }),
  celMethod("family", ANY_MAP, [], INT, function () {
    return ipOf(this).length === 4 ? 4n : 6n;
  }),
  celMethod("isUnspecified", ANY_MAP, [], BOOL, function () {
    return ipOf(this).every((b) => b === 0);
  }),
  celMethod("isLoopback", ANY_MAP, [], BOOL, function () {
    const b = ipOf(this);
    return b.length === 4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  }),
  celMethod("isLinkLocalMulticast", ANY_MAP, [], BOOL, function () {
    const b = ipOf(this);
    return b.length === 4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1]! & 0x0f) === 2;
  }),
  celMethod("isLinkLocalUnicast", ANY_MAP, [], BOOL, function () {
    const b = ipOf(this);
    return b.length === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  }),
  celMethod("isGlobalUnicast", ANY_MAP, [], BOOL, function () {
    const b = ipOf(this);
    if (b.length === 4) {
      const bcast = b.every((x) => x === 255);
      return !(bcast || b[0] === 0 || b[0] === 127 || b[0]! >= 224 || (b[0] === 169 && b[1] === 254));
    }
    const unspec = b.every((x) => x === 0);
    const loop = b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
    return !(unspec || loop || b[0] === 0xff || (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80));
  }),
  celFunc("isCIDR", [STRING], BOOL, (s) => parseCidrStrict(s) !== null),
  celFunc("cidr", [STRING], ANY_MAP, (s) => {
    const c = parseCidrStrict(s);
    if (!c) throw new Error(`network address parse error during conversion from string: ${s}`);
    return opaque("CIDR", `${formatIp(c.bytes)}/${c.prefix}`);
  }),
  celMethod("containsIP", ANY_MAP, [DYN], BOOL, function (x) {
    const net = cidrOf(this);
    const a = ipArg(x);
    return within(net, a, a.length * 8);
  }),
  celMethod("containsCIDR", ANY_MAP, [DYN], BOOL, function (x) {
    const net = cidrOf(this);
    const c = cidrArg(x);
    return within(net, c.bytes, c.prefix);
  }),
  celMethod("ip", ANY_MAP, [], ANY_MAP, function () {
    return opaque("IP", formatIp(cidrOf(this).bytes));
  }),
  celMethod("masked", ANY_MAP, [], ANY_MAP, function () {
    const c = cidrOf(this);
    return opaque("CIDR", `${formatIp(mask(c.bytes, c.prefix))}/${c.prefix}`);
  }),
  celMethod("prefixLength", ANY_MAP, [], INT, function () {
    return BigInt(cidrOf(this).prefix);
  }),
];

// ---------------------------------------------------------------- Quantity

const QTY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const NANO = 10n ** 9n;
const BIN: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DEC: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * Exact value in nano-units (value × 10⁹), rounded up like resource.Quantity does for
 * precision below 1n. Null when `s` is not a quantity.
 */
export function quantityNanos(s: string): bigint | null {
  const m = QTY.exec(s);
  if (!m) return null;
  const [, sign, num, suffix, exp] = m;
  const [ip, fp = ""] = num!.split(".");
  let mant = BigInt((ip || "0") + fp);
  let scale = -fp.length; // value = mant × 10^scale
  if (suffix && BIN[suffix] !== undefined) mant *= BIN[suffix]!;
  else if (suffix) scale += DEC[suffix]!;
  else if (exp) scale += Number(exp);
  // to nanos: × 10^(scale + 9)
  const shift = scale + 9;
  let nanos: bigint;
  if (shift >= 0) nanos = mant * 10n ** BigInt(shift);
  else {
    const d = 10n ** BigInt(-shift);
    nanos = mant / d + (mant % d === 0n ? 0n : 1n);
  }
  return sign === "-" ? -nanos : nanos;
}

function formatNanos(n: bigint): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const whole = a / NANO;
  const frac = a % NANO;
  const f = frac === 0n ? "" : `.${frac.toString().padStart(9, "0").replace(/0+$/, "")}`;
  return `${neg ? "-" : ""}${whole}${f}`;
}

function qOf(v: unknown): bigint {
  return BigInt(unwrap("Quantity", v));
}

function qArg(v: unknown): bigint {
  if (typeof v === "bigint") return v * NANO;
  return qOf(v);
}

function qValue(n: bigint): CelMap {
  return opaque("Quantity", n.toString());
}

const quantityFuncs: CelFunc[] = [
  celFunc("isQuantity", [STRING], BOOL, (s) => quantityNanos(s) !== null),
  celFunc("quantity", [STRING], ANY_MAP, (s) => {
    const n = quantityNanos(s);
    if (n === null) throw new Error(`quantities must match the regular expression: ${s}`);
    return qValue(n);
  }),
  celMethod("isInteger", ANY_MAP, [], BOOL, function () {
    const n = qOf(this);
    return n % NANO === 0n && n / NANO <= INT64_MAX && n / NANO >= INT64_MIN;
  }),
  celMethod("asInteger", ANY_MAP, [], INT, function () {
    const n = qOf(this);
    if (n % NANO !== 0n || n / NANO > INT64_MAX || n / NANO < INT64_MIN) {
      throw new Error("cannot convert value to integer");
    }
    return n / NANO;
  }),
  celMethod("asApproximateFloat", ANY_MAP, [], DOUBLE, function () {
    return Number(formatNanos(qOf(this)));
  }),
  celMethod("sign", ANY_MAP, [], INT, function () {
    const n = qOf(this);
    return n > 0n ? 1n : n < 0n ? -1n : 0n;
  }),
  celMethod("add", ANY_MAP, [DYN], ANY_MAP, function (x) {
    return qValue(qOf(this) + qArg(x));
  }),
  celMethod("sub", ANY_MAP, [DYN], ANY_MAP, function (x) {
    return qValue(qOf(this) - qArg(x));
  }),
  celMethod("isLessThan", ANY_MAP, [ANY_MAP], BOOL, function (x) {
    return qOf(this) < qOf(x);
  }),
  celMethod("isGreaterThan", ANY_MAP, [ANY_MAP], BOOL, function (x) {
    return qOf(this) > qOf(x);
  }),
  celMethod("compareTo", ANY_MAP, [ANY_MAP], INT, function (x) {
    const a = qOf(this);
    const b = qOf(x);
    return a > b ? 1n : a < b ? -1n : 0n;
  }),
];

// ---------------------------------------------------------------- Regex

const reCache = new Map<string, RegExp>();

/** Compiles a pattern after checking it is valid RE2 (via CEL's own `matches`), then caches it. */
function compileRe(pattern: string): RegExp {
  let re = reCache.get(pattern);
  if (!re) {
    const check = run("''.matches(p)", { p: pattern });
    if (isCelError(check)) throw new Error(`invalid regex ${JSON.stringify(pattern)}: ${check.message}`);
    const ci = /^\(\?i\)/.test(pattern);
    re = new RegExp(pattern.replace(/^\(\?i\)/, ""), ci ? "giu" : "gu");
    reCache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

function findAll(s: string, pattern: string, limit: number): string[] {
  const re = compileRe(pattern);
  const out: string[] = [];
  if (limit === 0) return out;
  for (const m of s.matchAll(re)) {
    out.push(m[0]);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

const matchCache = new Map<string, RegExp>();

/**
 * `matches` with the compiled pattern cached: the standard implementation compiles the RE2
 * program on every call, which dominates evaluation over thousands of objects. The pattern is
 * first validated as RE2 by the standard implementation, then run as an (unanchored) JS RegExp.
 */
function cachedMatches(s: string, pattern: string): boolean {
  let re = matchCache.get(pattern);
  if (!re) {
    const check = run("''.matches(p)", { p: pattern });
    if (isCelError(check)) throw new Error(`invalid regex ${JSON.stringify(pattern)}: ${check.message}`);
    const flags = /^\(\?i\)/.test(pattern) ? "iu" : "u";
    re = new RegExp(pattern.replace(/^\(\?i\)/, ""), flags);
    matchCache.set(pattern, re);
  }
  return re.test(s);
}

const regexFuncs: CelFunc[] = [
  celMethod("matches", STRING, [STRING], BOOL, function (p) {
    return cachedMatches(this, p);
  }),
  celMethod("find", STRING, [STRING], STRING, function (p) {
    return findAll(this, p, 1)[0] ?? "";
  }),
  celMethod("findAll", STRING, [STRING], listType(STRING), function (p) {
    return findAll(this, p, -1);
  }),
  celMethod("findAll", STRING, [STRING, INT], listType(STRING), function (p, n) {
    return findAll(this, p, Number(n));
  }),
];

/** Every Kubernetes library function this evaluator provides, keyed by CEL function name. */
export const k8sFuncs: CelFunc[] = [...urlFuncs, ...ipFuncs, ...quantityFuncs, ...regexFuncs];

/** Names of the functions above (for the dialect check). */
export const K8S_FUNCTION_NAMES = new Set(k8sFuncs.map((f) => f.name));
