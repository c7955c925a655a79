import {
  DEFAULT_DNS,
  poolGpuUnits,
  poolNodeLabels,
  poolTaints,
  SITE_LABEL,
  ZONE_LABEL,
} from "@sovereign/constructs";
import { type CountryProfile, hostInDomain, hostOf, parseQuantity, poolZones } from "@sovereign/profile";
import type { ClusterModel, NodeGroup } from "./types.js";

/** Options of {@link clusterModel}: what the profile does not (yet) say about the cluster. */
export interface ClusterModelOptions {
  /**
   * CPU a GPU node can give pods, per GPU it carries.
   * @default 8 — a floor of current GPU servers (an 8-GPU HGX node has 112+ cores), so a pod that
   *   fits here fits on the real node.
   */
  readonly cpuPerGpu?: number;
  /**
   * Memory a GPU node can give pods, per GPU.
   * @default "64Gi" — likewise a floor (HGX H100 nodes carry 1-2 TiB for 8 GPUs).
   */
  readonly memoryPerGpu?: string;
  /**
   * Untainted general-purpose nodes every zone of every site provides for controllers and jobs
   * that need no GPU (the cluster contract in docs/platform-guide.md).
   * @default { cpu: 4, memory: "16Gi" } — the smallest worker such a site runs.
   */
  readonly generalNode?: { cpu: number; memory: string };
  /**
   * NodeLocal DNSCache addresses pods query instead of the kube-dns Service.
   * @default the profile's `spec.cluster.nodeLocalDns` when it declares one, else none — the
   *   cluster is then taken to serve DNS from the kube-dns pods only.
   */
  readonly nodeLocalDns?: string[];
  /**
   * The API server as pods reach it (endpoint addresses after the `kubernetes` Service, and port).
   * @default the profile's `spec.cluster.apiServer`; when the profile
   *   declares none, namespaces whose controllers need it fail `network.api-server`.
   */
  readonly apiServer?: { cidrs: string[]; port: number };
  /**
   * Namespaces whose controllers talk to the API server, besides those of releases that are not
   * rendered offline (always included).
   * @default []
   */
  readonly controllerNamespaces?: string[];
}

const GIB = 2 ** 30;

/**
 * Zones a pool's nodes sit in, as the profile places them; without declared pool zones, no more
 * zones than the pool has nodes (a 1-node pool is in one zone, not in all of its site's).
 */
function nodeZones(profile: CountryProfile, pool: CountryProfile["spec"]["gpuPools"][number]): string[] {
  const zones = poolZones(profile.spec, pool);
  return pool.zones ? zones : zones.slice(0, Math.max(1, Math.min(pool.nodes, zones.length)));
}

function gpuNodes(profile: CountryProfile, o: ClusterModelOptions): NodeGroup[] {
  const cpuPerGpu = o.cpuPerGpu ?? 8;
  const memPerGpu = parseQuantity(o.memoryPerGpu ?? "64Gi");
  return profile.spec.gpuPools.flatMap((pool) => {
    // Labels and taints come from the same functions the gpu stack publishes them with.
    const labels = poolNodeLabels(pool);
    const taints = poolTaints(pool).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    const gpus = poolGpuUnits(pool) / pool.nodes;
    return nodeZones(profile, pool).map((zone) => ({
      name: `pool/${pool.name}/${zone}`,
      site: pool.site,
      zone,
      labels: { ...labels, [ZONE_LABEL]: zone, "kubernetes.io/os": "linux" },
      taints,
      allocatable: {
        cpuMillis: pool.gpusPerNode * cpuPerGpu * 1000,
        memoryBytes: pool.gpusPerNode * memPerGpu,
        gpus,
        // The RDMA device plugin the pool declares advertises its resource on every node.
        ...(pool.interconnect ? { extended: { [pool.interconnect.rdmaResource]: pool.interconnect.rdmaPerNode } } : {}),
      },
    }));
  });
}

function generalNodes(profile: CountryProfile, o: ClusterModelOptions): NodeGroup[] {
  const g = o.generalNode ?? { cpu: 4, memory: "16Gi" };
  return profile.spec.sites.flatMap((site) =>
    site.zones.map((zone) => ({
      name: `general/${site.name}/${zone}`,
      site: site.name,
      zone,
      labels: { [SITE_LABEL]: site.name, [ZONE_LABEL]: zone, "kubernetes.io/os": "linux" },
      taints: [],
      allocatable: { cpuMillis: g.cpu * 1000, memoryBytes: parseQuantity(g.memory), gpus: 0 },
    })),
  );
}

/** Hosts of the profile's in-country endpoints (registry, KMS, weights, telemetry). */
function knownHosts(profile: CountryProfile): string[] {
  const s = profile.spec;
  const uris = [
    s.registry,
    s.kms.endpoint,
    // with the endpoint/bucket form the host is the endpoint; the uri then names a bucket, not a host
    ...s.serving.models.map((m) => m.weights.endpoint ?? m.weights.uri),
    ...Object.values(s.telemetry ?? {}).filter((v): v is string => typeof v === "string"),
  ];
  return [...new Set(uris.map(hostOf))].sort();
}

/**
 * The cluster the profile declares: per pool and zone, nodes with the pool's labels, taints and GPUs;
 * per site and zone, untainted general nodes; cluster DNS; and where each in-country host lives.
 */
export function clusterModel(profile: CountryProfile, options: ClusterModelOptions = {}): ClusterModel {
  const sites = profile.spec.sites;
  const allCidrs = [...new Set(sites.flatMap((s) => s.egressCidrs))];
  const declared = profile.spec.cluster ?? {};
  const apiServer =
    options.apiServer ??
    (declared.apiServer ? { cidrs: declared.apiServer.cidrs, port: declared.apiServer.port } : undefined);
  return {
    nodes: [...gpuNodes(profile, options), ...generalNodes(profile, options)],
    dns: { namespace: DEFAULT_DNS.namespace, podLabels: { ...DEFAULT_DNS.podLabels } },
    nodeLocalDns: options.nodeLocalDns ?? (declared.nodeLocalDns ? [declared.nodeLocalDns] : []),
    ...(apiServer ? { apiServer } : {}),
    // A host under a site's domain has an address in that site's networks; any other in-country
    // host may be in any of them, so all must be reachable.
    hostCidrs: (host) => {
      const site = sites.find((s) => (s.domains ?? []).some((d) => hostInDomain(host, d)));
      return site ? [...site.egressCidrs] : allCidrs;
    },
    knownHosts: knownHosts(profile),
    controllerNamespaces: [...(options.controllerNamespaces ?? [])],
  };
}

/** Bytes per GiB, for messages. */
export function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(bytes % GIB === 0 ? 0 : 1)}Gi`;
}
