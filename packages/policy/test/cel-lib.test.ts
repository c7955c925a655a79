import { type CelValue, isCelError } from "@bufbuild/cel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../src/cel/program.js";
import { celToJson } from "../src/cel/values.js";

/** Evaluates an expression in the policy CEL environment (no bindings). */
function ev(expr: string): unknown {
  const c = compile(expr, { roots: ["object", "params", "variables"], variables: [] });
  if (!c.ok) throw new Error(c.problems.map((p) => p.message).join("; "));
  const r = c.program({} as Record<string, CelValue>);
  if (isCelError(r) || r instanceof Error) return { error: (r as Error).message };
  return celToJson(r);
}

// Cases follow the documented behaviour of the Kubernetes CEL libraries (k8s.io/apiserver/pkg/cel/library).
describe("Kubernetes URL library", () => {
  it.each([
    ["url('https://example.com:80/').getHost()", "example.com:80"],
    ["url('https://example.com/path with spaces/').getEscapedPath()", "/path%20with%20spaces/"],
    ["url('https://example.com:80/').getHostname()", "example.com"],
    ["url('https://[::1]:80/').getHostname()", "::1"],
    ["url('https://[::1]:80/').getHost()", "[::1]:80"],
    ["url('https://example.com:80/').getPort()", "80"],
    ["url('https://example.com/').getPort()", ""],
    ["url('https://example.com/').getScheme()", "https"],
    ["url('/absolute-path').getHost()", ""],
    ["url('https://example.com/path?k1=a&k2=b&k2=c').getQuery()", { k1: ["a"], k2: ["b", "c"] }],
    ["isURL('https://user:pass@example.com:80/path?query=val#fragment')", true],
    ["isURL('/absolute-path')", true],
    ["isURL('https://a:b:c/')", false],
    ["isURL('../relative-path')", false],
    ["url('s3://weights.bkk1.sovereign.example/m').getHostname()", "weights.bkk1.sovereign.example"],
  ])("GIVEN %s THEN %j", (expr, want) => {
    expect(ev(expr)).toEqual(want);
  });

  it("GIVEN a relative reference WHEN converted with url() THEN evaluation fails", () => {
    expect(ev("url('../x').getHost()")).toHaveProperty("error");
  });
});

describe("Kubernetes IP and CIDR library", () => {
  it.each([
    ["isIP('127.0.0.1')", true],
    ["isIP('::1')", true],
    ["isIP('127.0.0.256')", false],
    ["isIP('127.0.0.1/24')", false],
    ["isIP('fe80::1%eth0')", false],
    ["isIP('::ffff:127.0.0.1')", false],
    ["isIP('010.0.0.1')", false],
    ["ip('127.0.0.1').family()", 4],
    ["ip('::1').family()", 6],
    ["ip('127.0.0.1').isLoopback()", true],
    ["ip('0.0.0.0').isUnspecified()", true],
    ["ip('169.254.1.1').isLinkLocalUnicast()", true],
    ["ip('224.0.0.1').isLinkLocalMulticast()", true],
    ["ip('192.0.2.1').isGlobalUnicast()", true],
    ["ip('2001:db8::1') == ip('2001:0db8:0:0::1')", true],
    ["isCIDR('192.168.0.0/24')", true],
    ["isCIDR('192.168.0.0')", false],
    ["cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", true],
    ["cidr('192.168.0.0/24').containsIP('192.168.1.1')", false],
    ["cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))", true],
    ["cidr('192.168.0.0/24').containsCIDR('192.168.0.0/23')", false],
    ["cidr('2001:db8::/32').containsIP('2001:db8:1::1')", true],
    ["cidr('2001:db8::/32').containsIP('192.0.2.1')", false],
    ["cidr('192.168.0.0/24').ip() == ip('192.168.0.0')", true],
    ["cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", true],
    ["cidr('192.168.0.0/24').prefixLength()", 24],
  ])("GIVEN %s THEN %j", (expr, want) => {
    expect(ev(expr)).toEqual(want);
  });
});

describe("Kubernetes quantity library", () => {
  it.each([
    ['quantity("500000G").isInteger()', true],
    ['quantity("50k").asInteger()', 50000],
    ['quantity("9999999999999999999999999999999999999G").asApproximateFloat()', 1e46],
    ['quantity("50k").sub(20000).asInteger()', 30000],
    ['quantity("50k").add(20).sub(quantity("100k")).sub(-50000).asInteger()', 20],
    ['quantity("200M").compareTo(quantity("0.2G"))', 0],
    ['quantity("150Mi").isGreaterThan(quantity("100Mi"))', true],
    ['quantity("50M").isLessThan(quantity("100M"))', true],
    ['quantity("1.5").isInteger()', false],
    ['quantity("2Ti").asInteger()', 2 * 2 ** 40],
    ['quantity("-1").sign()', -1],
    ['isQuantity("20Mi")', true],
    ['isQuantity("20mb")', false],
  ])("GIVEN %s THEN %j", (expr, want) => {
    expect(ev(expr)).toEqual(want);
  });

  it("GIVEN a quantity beyond int64 WHEN asInteger THEN evaluation fails", () => {
    expect(ev('quantity("9999999999999999999999999999999999999G").asInteger()')).toHaveProperty("error");
  });
});

describe("Kubernetes regex library", () => {
  it.each([
    ["'abc 123'.find('[0-9]+')", "123"],
    ["'abc'.find('[0-9]+')", ""],
    ["'1, 2, 3, 4'.findAll('[0-9]+').map(x, int(x))", [1, 2, 3, 4]],
    ["'1, 2, 3, 4'.findAll('[0-9]+', 2)", ["1", "2"]],
  ])("GIVEN %s THEN %j", (expr, want) => {
    expect(ev(expr)).toEqual(want);
  });
});

// cel-go's strings extension calls Go's strings.ReplaceAll / Replace / Split / SplitN; the
// expected values are what those Go functions return.
describe("strings extension: replace and split with Go's semantics", () => {
  it.each([
    ["'abc'.replace('x', 'y')", "abc"],
    ["'aaa'.replace('aa', 'b')", "ba"],
    ["'aaa'.replace('a', 'b', -1)", "bbb"],
    ["'aaa'.replace('a', 'b', 2)", "bba"],
    ["'aaa'.replace('a', 'b', 0)", "aaa"],
    ["'abc'.replace('', '-')", "-a-b-c-"],
    ["'abc'.replace('', '-', 2)", "-a-bc"],
    ["'ab'.replace('', '-', 9)", "-a-b-"],
    ["''.replace('', 'x')", "x"],
    ["'h\u00e9\u{1F600}'.replace('', '|')", "|h|\u00e9|\u{1F600}|"],
    ["'a$b'.replace('$', '$&')", "a$&b"],
    ["'a,b,c'.split(',')", ["a", "b", "c"]],
    ["'a,b,c'.split(',', 2)", ["a", "b,c"]],
    ["'a,b,c'.split(',', 1)", ["a,b,c"]],
    ["'a,b,c'.split(',', 0)", []],
    ["'a,b,c'.split(',', -1)", ["a", "b", "c"]],
    ["'a,b,c'.split(',', 9)", ["a", "b", "c"]],
    ["'abc'.split('')", ["a", "b", "c"]],
    ["'abc'.split('', 2)", ["a", "bc"]],
    ["'\u{1F600}x'.split('')", ["\u{1F600}", "x"]],
    ["''.split(',')", [""]],
    ["''.split('')", []],
    ["'a,,b'.split(',')", ["a", "", "b"]],
    ["'a,b'.split(',').join('+')", "a+b"],
  ])("GIVEN %s THEN %j", (expr, want) => {
    expect(ev(expr)).toEqual(want);
  });

  it("GIVEN 500 random strings WHEN replaced and split without a count THEN they agree with splitting and joining on the needle", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.constantFrom(",", "ab", "a", "::"), fc.string({ maxLength: 3 }), (s, needle, repl) => {
        const q = (x: string) => `'${x.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
        expect(ev(`${q(s)}.replace(${q(needle)}, ${q(repl)})`)).toBe(s.split(needle).join(repl));
        expect(ev(`${q(s)}.split(${q(needle)})`)).toEqual(s.split(needle));
        expect(ev(`${q(s)}.split(${q(needle)}, 2)`)).toEqual(
          s.includes(needle) ? [s.slice(0, s.indexOf(needle)), s.slice(s.indexOf(needle) + needle.length)] : [s],
        );
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
