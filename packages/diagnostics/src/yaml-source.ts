import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { readInputFile } from "./input.js";
import { type DocPath, InputError, type Issue } from "./issue.js";
import { zodToIssues } from "./zod-issues.js";

/** A parsed YAML file that can say where any path in it is. */
export interface YamlSource {
  /** File name as the user gave it (used in messages, never resolved). */
  file: string;
  /** Plain JS value of the document. */
  value: unknown;
  /** Line and column (1-based) of the node at `path`, or of its nearest existing ancestor. */
  locate(path: DocPath, which?: "key" | "value"): { line: number; column: number };
  /**
   * Fills `file`, `line` and `column` of an issue from its path. An unknown key points at the
   * key itself, anything else at the value, unless `which` says otherwise.
   */
  place(issue: Issue, which?: "key" | "value"): Issue;
  /** Validates the document against a zod schema; throws InputError with every issue located. */
  parse<S extends z.ZodType>(schema: S): z.output<S>;
}

function nodeAt(
  root: Node | null,
  path: DocPath,
): { node: Node | null; keyNode: Node | null; depth: number } {
  let node: Node | null = root;
  let keyNode: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) break;
      keyNode = isNode(pair.key) ? pair.key : null;
      node = isNode(pair.value) ? pair.value : keyNode;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      const item = node.items[seg];
      keyNode = null;
      node = isNode(item) ? item : node;
    } else break;
    depth++;
  }
  return { node, keyNode, depth };
}

/**
 * Nesting deeper than this is refused (exit 2): no profile, recipe or manifest comes close, and
 * the code that walks documents later need not guard its own recursion.
 */
export const MAX_YAML_DEPTH = 64;
/** Alias expansions allowed per document (the yaml library's budget; billion laughs needs far more). */
export const MAX_YAML_ALIASES = 100;

/**
 * Structural checks the parser does not make, in one linear walk without recursion: nesting depth
 * and duplicate keys (a Set per map; the parser's own check compares every pair of keys).
 */
export function structureIssues(root: Node | null, pos: (offset: number) => { line: number; column: number }, file: string): Issue[] {
  const issues: Issue[] = [];
  const stack: { node: Node; path: (string | number)[] }[] = root ? [{ node: root, path: [] }] : [];
  while (stack.length > 0 && issues.length < 20) {
    const { node, path } = stack.pop()!;
    if (path.length > MAX_YAML_DEPTH) {
      issues.push({
        code: "yaml.too_deep",
        path: path.slice(0, 8),
        file,
        ...pos(node.range?.[0] ?? 0),
        message: `nesting deeper than ${MAX_YAML_DEPTH} levels`,
        hint: "flatten the document; no kit input nests this deep",
      });
      break;
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : isNode(pair.key) ? String(pair.key) : String(pair.key);
        if (seen.has(key)) {
          issues.push({
            code: "yaml.duplicate_key",
            path,
            file,
            ...pos(isNode(pair.key) ? (pair.key.range?.[0] ?? 0) : 0),
            message: `duplicate key ${JSON.stringify(key.slice(0, 80))}`,
            hint: "remove or rename one of the two keys; YAML maps take each key once",
          });
        }
        seen.add(key);
        if (isNode(pair.value) && !isAlias(pair.value)) stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (isNode(item) && !isAlias(item)) stack.push({ node: item, path: [...path, i] });
      });
    }
  }
  return issues;
}

/**
 * Parses YAML text keeping source positions. Syntax errors (including duplicate keys) become an
 * InputError with the line and column the parser reported.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    // Duplicate keys are found by structureIssues in linear time; the parser's check is quadratic.
    uniqueKeys: false,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => {
        const at = pos(e.pos[0]);
        const dup = e.code === "DUPLICATE_KEY";
        if (/Maximum call stack/.test(e.message)) {
          return {
            code: "yaml.too_deep",
            path: [],
            file,
            ...at,
            message: `nesting deeper than ${MAX_YAML_DEPTH} levels`,
            hint: "flatten the document; no kit input nests this deep",
          } satisfies Issue;
        }
        return {
          code: dup ? "yaml.duplicate_key" : "yaml.syntax",
          path: [],
          file,
          ...at,
          message: `${dup ? "duplicate key" : "YAML syntax error"}: ${e.message.split("\n")[0]}`,
          hint: dup
            ? "remove or rename one of the two keys; YAML maps take each key once"
            : "check indentation and quoting at this line (spaces only, `key: value`)",
        } satisfies Issue;
      }),
    );
  }
  const root = doc.contents as Node | null;
  const structural = structureIssues(root, pos, file);
  if (structural.length > 0) throw new InputError(structural);
  const locate = (path: DocPath, which: "key" | "value" = "value") => {
    const { node, keyNode, depth } = nodeAt(root, path);
    const target = which === "key" && keyNode && depth === path.length ? keyNode : node;
    const start = target?.range?.[0] ?? 0;
    return pos(start);
  };
  const value = toJsBounded(doc, file, pos);
  const place = (issue: Issue, which?: "key" | "value"): Issue => ({
    ...issue,
    file,
    ...locate(issue.path, which ?? (issue.code === "schema.unknown_key" ? "key" : "value")),
  });
  return {
    file,
    value,
    locate,
    place,
    parse: (schema) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new InputError(zodToIssues(parsed.error, value).map((i) => place(i)));
      return parsed.data;
    },
  };
}

/**
 * The document as plain JS with alias expansion bounded: a billion-laughs document is an
 * InputError at its first alias, not an exhausted process.
 */
export function toJsBounded(
  doc: { toJS(o: { maxAliasCount: number }): unknown } & Parameters<typeof visit>[0],
  file: string,
  pos: (offset: number) => { line: number; column: number },
): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (!(e instanceof ReferenceError || e instanceof RangeError)) throw e;
    let at = 0;
    visit(doc, {
      Alias(_, node) {
        at = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    throw new InputError([
      {
        code: e instanceof RangeError ? "yaml.too_deep" : "yaml.aliases",
        path: [],
        file,
        ...pos(at),
        message:
          e instanceof RangeError
            ? "document expands too deep"
            : `aliases expand beyond ${MAX_YAML_ALIASES} copies (a resource exhaustion attack, or far more reuse than any kit input needs)`,
        hint: "write the values out, or reuse fewer anchors",
      },
    ]);
  }
}

/**
 * Reads (once, bounded, regular files only) and parses a YAML file; a missing, special or
 * oversized file is an InputError naming it. The bytes and their sha256 are returned for callers
 * that carry the input on (e.g. `bundle pack` stores exactly the profile it validated).
 */
export function readYamlSource(
  path: string,
  displayName = path,
  o: { limit?: number } = {},
): YamlSource & { bytes: Buffer; sha256: string } {
  const input = readInputFile(path, { displayName, limit: o.limit });
  return { ...parseYamlSource(input.bytes.toString("utf8"), displayName), bytes: input.bytes, sha256: input.sha256 };
}

/**
 * Reads a text file once, bounded and regular files only; a missing, special or oversized file is
 * an InputError naming it.
 */
export function readSourceText(path: string, displayName = path, o: { limit?: number } = {}): string {
  return readInputFile(path, { displayName, limit: o.limit }).bytes.toString("utf8");
}
