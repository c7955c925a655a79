import { lstatSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { InputError, OUTPUT_MARKER, readInputFile } from "@sovereign/diagnostics";
import type { ItemKind } from "./format.js";
import { keyMaterialIn, refuseKeyMaterial } from "./secrets.js";

/** One logical file of the bundle, before it becomes a blob. */
export type BundleItem =
  | { title: string; kind: ItemKind; text: Buffer; contentType: string }
  | { title: string; kind: ItemKind; raw: Buffer; mediaType: string }
  | { title: string; kind: "weights" | "dataset"; file: string; size: number };

const TYPES: [RegExp, string][] = [
  [/\.md$/, "text/markdown"],
  [/\.json$/, "application/json"],
  [/\.ya?ml$/, "application/yaml"],
  [/\.(txt|sha256)$/, "text/plain"],
  [/\.(hcl|tf)$/, "text/plain"],
];

export function contentTypeOf(path: string): string {
  return TYPES.find(([re]) => re.test(path))?.[1] ?? "application/octet-stream";
}

/**
 * Regular files under `dir`, sorted, as paths relative to it with forward slashes. A symlink or
 * special file is refused: a bundle must not depend on what a link points to on the packing host.
 */
export function listFiles(dir: string, what: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) visit(p);
      // The marker of a directory the kit wrote (e.g. a synth output) is bookkeeping, not content.
      else if (st.isFile() && d === dir && name === OUTPUT_MARKER) continue;
      else if (st.isFile()) out.push(relative(dir, p).split(sep).join("/"));
      else {
        throw new InputError([
          {
            code: "bundle.special_file",
            path: [],
            file: p,
            message: `${what} contains ${st.isSymbolicLink() ? "a symbolic link" : "a special file"}: ${p}`,
            hint: "replace it with a regular file; bundles hold regular files only",
          },
        ]);
      }
    }
  };
  visit(dir);
  return out.sort();
}

/**
 * Text items for every file under a directory, titled `<prefix>/<relative path>`; each file read
 * once, regular files only, at most `limit` bytes.
 */
export function textItemsFrom(
  dir: string,
  prefix: string,
  kind: ItemKind,
  what: string,
  limit?: number,
): BundleItem[] {
  return listFiles(dir, what).map((rel) => ({
    title: `${prefix}/${rel}`,
    kind,
    text: readInputFile(join(dir, rel), { limit, what }).bytes,
    contentType: contentTypeOf(rel),
  }));
}

/** Refuses to pack any item holding private key material, in any form: secrets never travel in a bundle. */
export function refuseSecrets(items: readonly BundleItem[]): void {
  const found: { file: string; what: string }[] = [];
  for (const i of items) {
    const data = "text" in i ? i.text : "raw" in i ? i.raw : undefined;
    const what = data ? keyMaterialIn(data) : undefined;
    if (what) found.push({ file: i.title, what });
  }
  refuseKeyMaterial(found);
}
