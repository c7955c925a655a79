import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import type { ItemKind } from "./format.js";

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

/** Text items for every file under a directory, titled `<prefix>/<relative path>`. */
export function textItemsFrom(dir: string, prefix: string, kind: ItemKind, what: string): BundleItem[] {
  return listFiles(dir, what).map((rel) => ({
    title: `${prefix}/${rel}`,
    kind,
    text: readFileSync(join(dir, rel)),
    contentType: contentTypeOf(rel),
  }));
}

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Refuses to pack anything that looks like a private key: secrets never travel in a bundle. */
export function refuseSecrets(items: readonly BundleItem[]): void {
  const bad = items.filter((i) => "text" in i && PRIVATE_KEY.test(i.text.toString("latin1")));
  if (bad.length > 0) {
    throw new InputError(
      bad.map((i) => ({
        code: "bundle.secret",
        path: [],
        file: i.title,
        message: `${i.title} contains a PEM private key; secrets are never packed`,
        hint: "reference the secret by name (Kubernetes Secret, KMS key) instead of embedding it",
      })),
    );
  }
}
