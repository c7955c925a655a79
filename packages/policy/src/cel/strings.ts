import { type CelFunc, CelScalar, celMethod, listType } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";

/**
 * The CEL strings extension as the API server runs it. cel-go implements `replace` with Go's
 * strings.ReplaceAll / strings.Replace and `split` with strings.Split / strings.SplitN
 * (upstream/cel-strings.json records the source). @bufbuild/cel's versions differ from those at
 * the edges: a negative count replaces nothing instead of everything, an empty search string is
 * inserted repeatedly at the front instead of between characters, and a split with a count drops
 * the rest of the string instead of keeping it as the last part. Those four overloads are replaced
 * here by Go's semantics; the rest of the extension is used as it is.
 */

const { STRING, INT } = CelScalar;
const OVERRIDDEN = new Set(["replace", "split"]);

/** Go's strings.Replace: at most `n` replacements (all when n < 0); an empty `old` matches before every code point and at the end. */
export function goReplace(s: string, old: string, repl: string, n: number): string {
  if (n === 0) return s;
  if (old === "") {
    // A match before each code point and one at the end.
    const cps = Array.from(s);
    const limit = n < 0 ? cps.length + 1 : Math.min(n, cps.length + 1);
    let out = "";
    cps.forEach((cp, k) => {
      out += (k < limit ? repl : "") + cp;
    });
    return limit > cps.length ? out + repl : out;
  }
  let out = "";
  let from = 0;
  let done = 0;
  for (let i = s.indexOf(old); i >= 0 && (n < 0 || done < n); i = s.indexOf(old, from)) {
    out += s.slice(from, i) + repl;
    from = i + old.length;
    done++;
  }
  return out + s.slice(from);
}

/** Go's strings.SplitN: none when n == 0, all when n < 0, else at most n parts with the rest in the last; an empty `sep` splits between code points. */
export function goSplitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === "") {
    const cps = Array.from(s);
    if (n < 0 || n >= cps.length) return cps;
    return [...cps.slice(0, n - 1), cps.slice(n - 1).join("")];
  }
  const out: string[] = [];
  let from = 0;
  for (let i = s.indexOf(sep); i >= 0 && (n < 0 || out.length < n - 1); i = s.indexOf(sep, from)) {
    out.push(s.slice(from, i));
    from = i + sep.length;
  }
  out.push(s.slice(from));
  return out;
}

export const stringsExt: CelFunc[] = [
  ...strings.filter((f) => !OVERRIDDEN.has(f.name)),
  celMethod("replace", STRING, [STRING, STRING], STRING, function (old, repl) {
    return goReplace(this, old, repl, -1);
  }),
  celMethod("replace", STRING, [STRING, STRING, INT], STRING, function (old, repl, n) {
    return goReplace(this, old, repl, Number(n));
  }),
  celMethod("split", STRING, [STRING], listType(STRING), function (sep) {
    return goSplitN(this, sep, -1);
  }),
  celMethod("split", STRING, [STRING, INT], listType(STRING), function (sep, n) {
    return goSplitN(this, sep, Number(n));
  }),
];
