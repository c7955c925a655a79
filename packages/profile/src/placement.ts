import { parseIp } from "./net.js";
import type { DataClassName, GpuPool, ProfileSpec, StorageClassSpec } from "./schema.js";

/** CSI drivers whose volumes are file systems several nodes can mount read-write at once. */
export const READ_WRITE_MANY_PROVISIONERS: readonly string[] = ["cephfs.csi.ceph.com", "nfs.csi.k8s.io"];

/** Whether volumes of a storage class can be mounted read-write on several nodes (ReadWriteMany). */
export function readWriteMany(cls: Pick<StorageClassSpec, "provisioner" | "readWriteMany">): boolean {
  return cls.readWriteMany ?? READ_WRITE_MANY_PROVISIONERS.includes(cls.provisioner);
}

/** One place a data class lives: a site, the class that holds it there, and its size. */
export interface Placement {
  site: string;
  storageClass: string;
  size: string;
  /** True for the data class's own `storageClass`, false for an entry of its `sites` map. */
  primary: boolean;
}

/**
 * Every site a data class is placed at. The top-level `storageClass` is the class at its own
 * site; `sites` adds the class at other sites (an entry for the primary class's own site replaces
 * it). Unknown class names are skipped here; the profile checks report them.
 */
export function placements(spec: ProfileSpec, dataClass: DataClassName): Placement[] {
  const dc = spec.storage.dataClasses[dataClass];
  if (!dc) return [];
  const siteOf = (cls: string) => spec.storage.classes.find((c) => c.name === cls)?.site;
  const out = new Map<string, Placement>();
  const home = siteOf(dc.storageClass);
  if (home) out.set(home, { site: home, storageClass: dc.storageClass, size: dc.size, primary: true });
  for (const [site, p] of Object.entries(dc.sites ?? {})) {
    if (siteOf(p.storageClass) !== site) continue;
    out.set(site, { site, storageClass: p.storageClass, size: p.size ?? dc.size, primary: site === home });
  }
  return [...out.values()];
}

/**
 * Claim of a data class at one of its placements: the primary keeps the data class's name, the
 * others are suffixed with their site (`training-data-jed1`).
 */
export function claimNameAt(dataClass: DataClassName, place: Placement): string {
  return place.primary ? dataClass : `${dataClass}-${place.site}`;
}

/** Every claim name of a data class, one per site it is placed at. */
export function claimNames(spec: ProfileSpec, dataClass: DataClassName): string[] {
  return placements(spec, dataClass).map((p) => claimNameAt(dataClass, p));
}

/** The claim of `dataClass` at `site`, or undefined when the data class is not placed there. */
export function claimAt(spec: ProfileSpec, dataClass: DataClassName, site: string): string | undefined {
  const place = placements(spec, dataClass).find((p) => p.site === site);
  return place ? claimNameAt(dataClass, place) : undefined;
}

/** The class holding `dataClass` at `site`, or undefined when the data class is not placed there. */
export function storageClassAt(spec: ProfileSpec, dataClass: DataClassName, site: string): string | undefined {
  return placements(spec, dataClass).find((p) => p.site === site)?.storageClass;
}

/** Zones a pool's nodes are in: its own `zones`, else every zone of its site. */
export function poolZones(spec: ProfileSpec, pool: GpuPool): string[] {
  return pool.zones ?? spec.sites.find((s) => s.name === pool.site)?.zones ?? [];
}

/** An address as a host CIDR (`/32` or `/128`); a CIDR is returned unchanged. */
export function hostCidr(address: string): string {
  if (address.includes("/")) return address;
  return (parseIp(address)?.length ?? 4) === 16 ? `${address}/128` : `${address}/32`;
}

/**
 * Every network the profile declares in-country: the sites' egress CIDRs, the Kubernetes API
 * server's addresses and the node-local DNS cache address. The residency rules accept egress to
 * exactly these; the network policies open each only where it is needed.
 */
export function inCountryCidrs(spec: ProfileSpec): string[] {
  const c = spec.cluster;
  return [
    ...new Set([
      ...spec.sites.flatMap((s) => s.egressCidrs),
      ...(c?.apiServer?.cidrs ?? []),
      ...(c?.nodeLocalDns ? [hostCidr(c.nodeLocalDns)] : []),
    ]),
  ];
}
