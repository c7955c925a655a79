import { readFileSync } from "node:fs";
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
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
 * Parses YAML text keeping source positions. Syntax errors (including duplicate keys) become an
 * InputError with the line and column the parser reported.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
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
  const locate = (path: DocPath, which: "key" | "value" = "value") => {
    const { node, keyNode, depth } = nodeAt(root, path);
    const target = which === "key" && keyNode && depth === path.length ? keyNode : node;
    const start = target?.range?.[0] ?? 0;
    return pos(start);
  };
  const value = doc.toJS({ maxAliasCount: 100 });
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

/** Reads a text file; a missing or unreadable file is an InputError naming it. */
export function readSourceText(path: string, displayName = path): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError([
      {
        code: "file.unreadable",
        path: [],
        file: displayName,
        message: code === "ENOENT" ? `file not found: ${displayName}` : `cannot read ${displayName}: ${code}`,
        hint: "check the path; relative paths are resolved from the current directory",
      },
    ]);
  }
}

/** Reads and parses a YAML file; a missing file is an InputError naming it. */
export function readYamlSource(path: string, displayName = path): YamlSource {
  return parseYamlSource(readSourceText(path, displayName), displayName);
}
