import {
  DEFAULT_DNS,
  poolGpuUnits,
  poolNodeLabels,
  poolTaints,
  SITE_LABEL,
  ZONE_LABEL,
} from "@sovereign/constructs";
import { type CountryProfile, hostInDomain, hostOf, parseQuantity } from "@sovereign/profile";
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
   * @default ["169.254.20.10"] — the address the Kubernetes NodeLocal DNSCache guide uses; a kit
   *   that only allows kube-dns pods loses DNS on clusters that run the cache.
   */
  readonly nodeLocalDns?: string[];
  /**
   * The API server as pods reach it (endpoint addresses after the `kubernetes` Service, and port).
   * @default undefined — not declared: namespaces whose controllers need it fail `network.api-server`.
   */
  readonly apiServer?: { cidrs: string[]; port: number };
}

const GIB = 2 ** 30;

/** Zones a pool's nodes sit in: spread over its site's zones, never more zones than nodes. */
function poolZones(zones: string[], nodes: number): string[] {
  return zones.slice(0, Math.max(1, Math.min(nodes, zones.length)));
}

function gpuNodes(profile: CountryProfile, o: ClusterModelOptions): NodeGroup[] {
  const cpuPerGpu = o.cpuPerGpu ?? 8;
  const memPerGpu = parseQuantity(o.memoryPerGpu ?? "64Gi");
  return profile.spec.gpuPools.flatMap((pool) => {
    const site = profile.spec.sites.find((s) => s.name === pool.site);
    // Labels and taints come from the same functions the gpu stack publishes them with.
    const labels = poolNodeLabels(pool);
    const taints = poolTaints(pool).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    const gpus = poolGpuUnits(pool) / pool.nodes;
    return poolZones(site?.zones ?? [], pool.nodes).map((zone) => ({
      name: `pool/${pool.name}/${zone}`,
      site: pool.site,
      zone,
      labels: { ...labels, [ZONE_LABEL]: zone, "kubernetes.io/os": "linux" },
      taints,
      allocatable: {
        cpuMillis: pool.gpusPerNode * cpuPerGpu * 1000,
        memoryBytes: pool.gpusPerNode * memPerGpu,
        gpus,
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
    ...s.serving.models.map((m) => m.weights.uri),
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
  return {
    nodes: [...gpuNodes(profile, options), ...generalNodes(profile, options)],
    dns: { namespace: DEFAULT_DNS.namespace, podLabels: { ...DEFAULT_DNS.podLabels } },
    nodeLocalDns: options.nodeLocalDns ?? ["169.254.20.10"],
    ...(options.apiServer ? { apiServer: options.apiServer } : {}),
    // A host under a site's domain has an address in that site's networks; any other in-country
    // host may be in any of them, so all must be reachable.
    hostCidrs: (host) => {
      const site = sites.find((s) => (s.domains ?? []).some((d) => hostInDomain(host, d)));
      return site ? [...site.egressCidrs] : allCidrs;
    },
    knownHosts: knownHosts(profile),
    controllerNamespaces: [],
  };
}

/** Bytes per GiB, for messages. */
export function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(bytes % GIB === 0 ? 0 : 1)}Gi`;
}
