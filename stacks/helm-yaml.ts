// helm's output as JavaScript values, the way the `yaml` package's parseAllDocuments + toJS gives
// them (YAML 1.2, core schema), at a fraction of its cost. The `yaml` package builds a full
// Document (nodes, ranges, comments) for every manifest; the fleet parses about 800 objects out of
// 123 renderings, and that was a tenth of its CPU. js-yaml builds the values directly. The two
// agree on plain YAML once js-yaml is given the core schema's scalar rules below (read from
// yaml 2.9.1's dist/schema/core and dist/schema/common). Where they would not agree, the text is
// parsed by `yaml` as before, so the result never depends on which parser ran:
//  - anything js-yaml refuses (a duplicate key, which `yaml` resolves last-wins; malformed text);
//  - directives (`%YAML 1.1` switches `yaml` to other scalar rules), anchors (the aliases to them
//    `yaml` caps at 100) and complex keys (`? ` or a flow collection before `:`), found by a scan
//    of the text that may also fire on such characters inside strings (then `yaml` parses, which
//    costs time, not correctness); a tag js-yaml does not resolve as `yaml` does is refused;
//  - a null key (`~: x`, which `yaml` turns into "" and js-yaml into "null").
import jsyaml from "js-yaml";
import { parseAllDocuments } from "yaml";

/** Stands for null while js-yaml builds the values, so a null key can be told from the key "null". */
const NULL: object = Object.freeze({
  [Symbol.toStringTag]: "SovereignYamlNull",
  toString: () => NULL_KEY,
});
const NULL_KEY = "\u0000sovereign-yaml-null\u0000";

/** One js-yaml scalar type per tag (js-yaml keeps one per tag): the first rule whose test matches builds the value. */
const scalar = (tag: string, rules: [RegExp, (s: string) => unknown][]) =>
  new jsyaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: "scalar",
    resolve: (s: string | null) => s !== null && rules.some(([test]) => test.test(s)),
    construct: (s: string) => rules.find(([test]) => test.test(s))![1](s),
  });

/** The YAML 1.2 core schema as the `yaml` package resolves plain scalars, in its order. */
const CORE = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type("tag:yaml.org,2002:null", {
      kind: "scalar",
      resolve: (s: string | null) => s === null || /^(?:~|[Nn]ull|NULL)?$/.test(s),
      construct: () => NULL,
    }),
    scalar("bool", [[/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === "t" || s[0] === "T"]]),
    scalar("int", [
      [/^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)],
      [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
      [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)],
    ]),
    scalar("float", [
      [
        /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
        (s) => (s.slice(-3).toLowerCase() === "nan" ? NaN : s[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY),
      ],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)],
    ]),
  ],
});

/**
 * Directives, anchors (an alias needs one; js-yaml refuses an alias without), explicit keys and
 * flow collections used as keys: `yaml` parses these. `&&` in a shell script is no anchor.
 */
const NOT_PLAIN = /^%|(?:^|[\s,[{])&[^\s,[\]{}&]|(?:^|[\s,[{])\?(?:\s|$)|[\]}][ \t]*:(?:\s|$)/m;

class NotPlain extends Error {}

/** Puts null back for the stand-in; refuses a null key (js-yaml wrote it as {@link NULL_KEY}). */
function restoreNulls(v: unknown): unknown {
  if (v === NULL) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = restoreNulls(v[i]);
  } else if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (k.includes(NULL_KEY)) throw new NotPlain();
      o[k] = restoreNulls(o[k]);
    }
  }
  return v;
}

/** The documents of a YAML stream as `yaml`'s parseAllDocuments(text).map(d => d.toJS()) gives them. */
export function parseYamlDocuments(text: string): unknown[] {
  if (!NOT_PLAIN.test(text)) {
    try {
      return jsyaml.loadAll(text, undefined, { schema: CORE }).map(restoreNulls);
    } catch {
      // parsed by `yaml` below, which decides what such text gives
    }
  }
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}
