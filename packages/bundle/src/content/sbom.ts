import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Enums, Models, Serialize, SPDX, Spec } from "@cyclonedx/cyclonedx-library";
import type { CountryProfile } from "@sovereign/profile";
import type { TrainingRecipe } from "../recipe/schema.js";
import type { ImageRef } from "./images.js";

/**
 * The bundle's CycloneDX 1.6 SBOM: the kit's npm packages (from package-lock.json), every container
 * image by digest, the machine-learning models (served, base and bundled weights) and the training
 * data sources with their licence and legal basis. Deterministic: fixed timestamp, serial number
 * derived from the content, sorted lists.
 */

export interface SbomInput {
  profile: CountryProfile;
  recipe?: TrainingRecipe;
  images: readonly ImageRef[];
  /** package-lock.json (lockfileVersion 2 or 3), or undefined to list no npm packages. */
  lockfile?: string;
  /** Weights and datasets stored in the bundle. */
  artifacts: readonly { title: string; sha256: string; size: number; kind: "weights" | "dataset" }[];
  created: Date;
  kitVersion: string;
}

function license(id: string): Models.License {
  if (SPDX.isSupportedSpdxId(id)) return new Models.SpdxLicense(id);
  const fixed = SPDX.fixupSpdxId(id);
  if (fixed) return new Models.SpdxLicense(fixed);
  if (/\s(OR|AND|WITH)\s/.test(id)) return new Models.LicenseExpression(id);
  return new Models.NamedLicense(id);
}

function prop(name: string, value: string): Models.Property {
  return new Models.Property(name, value);
}

function sha256Hashes(hex: string): Models.HashDictionary {
  return new Models.HashDictionary([[Enums.HashAlgorithm["SHA-256"], hex]]);
}

function npmComponents(lockfile: string): Models.Component[] {
  const lock = JSON.parse(readFileSync(lockfile, "utf8")) as {
    packages?: Record<
      string,
      {
        version?: string;
        integrity?: string;
        license?: string;
        link?: boolean;
        dev?: boolean;
        resolved?: string;
      }
    >;
  };
  const seen = new Map<string, Models.Component>();
  for (const [key, pkg] of Object.entries(lock.packages ?? {})) {
    if (!key.includes("node_modules/") || pkg.link || !pkg.version) continue;
    const name = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    const id = `${name}@${pkg.version}`;
    if (seen.has(id)) continue;
    const [group, base] = name.startsWith("@")
      ? [name.slice(0, name.indexOf("/")), name.slice(name.indexOf("/") + 1)]
      : [undefined, name];
    const hashes = new Models.HashDictionary();
    const m = /^sha512-(.+)$/.exec(pkg.integrity ?? "");
    if (m) hashes.set(Enums.HashAlgorithm["SHA-512"], Buffer.from(m[1]!, "base64").toString("hex"));
    const c = new Models.Component(Enums.ComponentType.Library, base, {
      bomRef: `npm:${id}`,
      group,
      version: pkg.version,
      purl: `pkg:npm/${group ? `${encodeURIComponent(group)}/` : ""}${base}@${pkg.version}`,
      hashes,
      scope: pkg.dev ? Enums.ComponentScope.Excluded : Enums.ComponentScope.Required,
    });
    if (pkg.license) c.licenses.add(license(pkg.license));
    seen.set(id, c);
  }
  return [...seen.values()];
}

function imageComponent(img: ImageRef): Models.Component {
  const slash = img.repository.lastIndexOf("/");
  const name = img.repository.slice(slash + 1);
  const hex = img.digest.replace(/^sha256:/, "");
  const c = new Models.Component(Enums.ComponentType.Container, name, {
    bomRef: `image:${img.ref}`,
    version: img.digest,
    purl: `pkg:oci/${name}@${encodeURIComponent(img.digest)}?repository_url=${encodeURIComponent(img.repository)}`,
    hashes: sha256Hashes(hex),
  });
  for (const s of img.sources) c.properties.add(prop("sovereign:referenced-by", s));
  return c;
}

/** Builds and serializes the SBOM as CycloneDX 1.6 JSON text. */
export function buildSbom(input: SbomInput): string {
  const { profile, recipe } = input;
  const cc = profile.metadata.name;
  const bom = new Models.Bom();
  bom.metadata.timestamp = input.created;
  bom.metadata.component = new Models.Component(
    Enums.ComponentType.Application,
    `sovereign-operations-${cc}`,
    {
      bomRef: `bundle:${cc}`,
      version: input.kitVersion,
      description: `Operations bundle for ${profile.spec.displayName}`,
    },
  );
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, "sovereign", { version: input.kitVersion }),
  );

  const comps: Models.Component[] = [];
  if (input.lockfile) comps.push(...npmComponents(input.lockfile));
  comps.push(...input.images.map(imageComponent));
  for (const m of profile.spec.serving.models) {
    const c = new Models.Component(Enums.ComponentType.MachineLearningModel, m.name, {
      bomRef: `model:${m.name}`,
      hashes: sha256Hashes(m.weights.sha256),
      description: `Served on pool ${m.pool} with tensor parallelism ${m.tensorParallel}`,
    });
    c.externalReferences.add(
      new Models.ExternalReference(m.weights.uri, Enums.ExternalReferenceType.Distribution),
    );
    c.properties.add(prop("sovereign:image", m.image));
    comps.push(c);
  }
  if (recipe) {
    const b = recipe.spec.baseModel;
    const base = new Models.Component(Enums.ComponentType.MachineLearningModel, b.name, {
      bomRef: `base-model:${b.name}`,
      version: b.revision,
      hashes: sha256Hashes(b.sha256),
      description: `Base model of training recipe ${recipe.metadata.name}`,
    });
    base.licenses.add(license(b.licence));
    base.externalReferences.add(
      new Models.ExternalReference(b.uri, Enums.ExternalReferenceType.Distribution),
    );
    comps.push(base);
    for (const src of recipe.spec.data.mixture) {
      const d = new Models.Component(Enums.ComponentType.Data, src.id, {
        bomRef: `data:${src.id}`,
        hashes: sha256Hashes(src.provenance.sha256),
      });
      d.licenses.add(license(src.licence));
      d.externalReferences.add(
        new Models.ExternalReference(src.uri, Enums.ExternalReferenceType.Distribution),
      );
      if (src.legalBasis) {
        d.properties.add(prop("sovereign:legal-basis", src.legalBasis.type));
        d.properties.add(prop("sovereign:legal-basis-reference", src.legalBasis.reference));
      }
      d.properties.add(prop("sovereign:mixture-weight", String(src.weight)));
      if (src.provenance.origin) d.properties.add(prop("sovereign:origin", src.provenance.origin));
      comps.push(d);
    }
  }
  for (const a of input.artifacts) {
    const type = a.kind === "weights" ? Enums.ComponentType.MachineLearningModel : Enums.ComponentType.Data;
    const c = new Models.Component(type, a.title, {
      bomRef: `bundled:${a.title}`,
      hashes: sha256Hashes(a.sha256),
    });
    c.properties.add(prop("sovereign:bundled-bytes", String(a.size)));
    comps.push(c);
  }
  for (const c of comps) {
    bom.components.add(c);
    bom.metadata.component.dependencies.add(c.bomRef);
  }

  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  // Serial number derived from the content so two packs of the same inputs agree.
  const draft = serializer.serialize(bom, { sortLists: true });
  const h = createHash("sha256").update(draft).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  bom.serialNumber = `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}
