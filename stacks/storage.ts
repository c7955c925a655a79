import {
  type Construct,
  DataVolume,
  ResidentStorageClass,
  RetentionPurge,
  TerraformStack,
} from "@sovereign/constructs";
import { InputError } from "@sovereign/diagnostics";
import { claimNameAt, type CountryProfile, DATA_CLASSES, placements, readWriteMany } from "@sovereign/profile";
import { configureStack } from "./backend.js";
import { namespaceOf } from "./platform.js";

/**
 * Image of the retention purge jobs: the country's inference-core image. It is already mirrored
 * in-country, pinned by digest and vetted by the kernel gate, so retention adds nothing to the
 * supply chain. The profile has no separate field for it on purpose.
 */
export function purgeImage(profile: CountryProfile): string | undefined {
  return profile.spec.serving.models[0]?.image;
}

/**
 * `<cc>-storage`: one ResidentStorageClass per profile class (zones of its site only, encrypted
 * with the in-country KMS, Retain), one volume per data class in the namespace of the pods that
 * use it, and a purge job for every data class with a retention period.
 */
export class StorageStack extends TerraformStack {
  /** The profile's storage classes by name, for volumes added by integrators. */
  readonly classes: ReadonlyMap<string, ResidentStorageClass>;

  constructor(scope: Construct, id: string, profile: CountryProfile) {
    super(scope, id);
    configureStack(this, profile, id);
    const s = profile.spec;
    const classes = new Map<string, { sc: ResidentStorageClass; site: string; shared: boolean }>();
    for (const c of s.storage.classes) {
      const site = s.sites.find((x) => x.name === c.site)!;
      const sc = new ResidentStorageClass(this, `class-${c.name}`, {
        name: c.name,
        site: site.name,
        zones: site.zones,
        provisioner: c.provisioner,
        kms: s.kms,
        encrypted: c.encrypted,
        parameters: c.parameters,
        ceph: c.ceph,
      });
      classes.set(c.name, { sc, site: site.name, shared: readWriteMany(c) });
    }
    this.classes = new Map([...classes].map(([name, c]) => [name, c.sc]));
    const image = purgeImage(profile);
    for (const dc of DATA_CLASSES) {
      const spec = s.storage.dataClasses[dc];
      if (!spec) continue;
      // One volume per site the data class is placed at: the primary keeps the data class's
      // name, the others are suffixed with their site.
      for (const place of placements(s, dc)) {
        const cls = classes.get(place.storageClass)!;
        const claimName = claimNameAt(dc, place);
        const volume = new DataVolume(this, `volume-${claimName}`, {
          dataClass: dc,
          claimName,
          namespace: namespaceOf(dc),
          storageClass: cls.sc,
          site: cls.site,
          size: place.size,
          retentionDays: spec.retentionDays,
          // Every serving replica at the site writes its own directory of the one logs volume,
          // from whichever node it runs on: a shared file system class is mounted ReadWriteMany
          // (validation refuses a block class that more than one serving pod would mount).
          ...(dc === "interaction-logs" && cls.shared ? { accessModes: ["ReadWriteMany"] } : {}),
        });
        if (spec.retentionDays === undefined) continue;
        if (!image) {
          throw new InputError([
            {
              code: "storage.purge_image",
              path: ["spec", "storage", "dataClasses", dc, "retentionDays"],
              message: `retention of ${spec.retentionDays} days for ${dc} needs an image to run the purge job, and the profile has no model`,
              hint: "add a model under spec.serving.models (its inference-core image runs the purge), or drop retentionDays",
            },
          ]);
        }
        new RetentionPurge(this, `purge-${claimName}`, {
          namespace: namespaceOf(dc),
          claimName: volume.claimName,
          dataClass: dc,
          site: cls.site,
          retentionDays: spec.retentionDays,
          image,
          registry: s.registry,
          dependsOn: [volume.object.resource],
        });
      }
    }
  }
}
