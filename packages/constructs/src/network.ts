import { hostCidr } from "@sovereign/profile";
import { Construct, type ITerraformDependable } from "./cdktf.js";
import { K8sObject, type KubernetesObject } from "./k8s-object.js";
import { PropChecks } from "./validate.js";

/** DNS service pods egress is allowed to. */
export interface ClusterDns {
  /** Namespace of the cluster DNS pods. */
  readonly namespace: string;
  /** Labels of the cluster DNS pods. */
  readonly podLabels: Record<string, string>;
  /**
   * Address of NodeLocal DNSCache on every node, when the cluster runs it: pods resolve through
   * it (a link-local address outside any pod selector), so egress to it on port 53 is opened too.
   * @default none — pods reach the DNS pods directly.
   */
  readonly nodeLocalAddress?: string;
}

/** Where pods reach the Kubernetes API server (the endpoints behind the `kubernetes` Service). */
export interface ApiServerEndpoint {
  /** Endpoint addresses as CIDRs (NetworkPolicies see the endpoint after Service translation). */
  readonly cidrs: string[];
  /** Port on those addresses. */
  readonly port: number;
}

/** CoreDNS and kube-dns both run in kube-system with this label. */
export const DEFAULT_DNS: ClusterDns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };

/** Props of {@link NetworkLockdown}. */
export interface NetworkLockdownProps {
  /** Namespace the policies apply to (all its pods). */
  readonly namespace: string;
  /** In-country networks pods may reach. */
  readonly egressCidrs: string[];
  /**
   * Cluster DNS pods that egress may reach on port 53.
   * @default DEFAULT_DNS — kube-system pods labelled `k8s-app: kube-dns`.
   */
  readonly dns?: ClusterDns;
  /**
   * Other namespaces whose pods may connect in.
   * @default [] — only pods of the same namespace.
   */
  readonly ingressFromNamespaces?: string[];
  /**
   * The API server, for namespaces whose controllers watch the cluster (the GPU Operator's).
   * @default none — tenant workloads do not talk to the API server.
   */
  readonly apiServer?: ApiServerEndpoint;
  /** Objects that must exist first (the namespace). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * NetworkPolicies that deny all ingress and egress of a namespace, then allow only: the same
 * namespace, cluster DNS, the country's own networks, and (ingress) the namespaces named.
 * NetworkPolicies are additive, so nothing else can slip through without a new policy.
 */
export class NetworkLockdown extends Construct {
  readonly objects: K8sObject[] = [];
  private readonly deps: { dependsOn?: ITerraformDependable[] };

  constructor(scope: Construct, id: string, props: NetworkLockdownProps) {
    super(scope, id);
    const checks = new PropChecks();
    checks.egressCidrs(props.egressCidrs);
    for (const [i, n] of (props.ingressFromNamespaces ?? []).entries()) {
      checks.label(n, ["ingressFromNamespaces", i], "namespace");
    }
    if (props.apiServer) {
      checks.egressCidrs(props.apiServer.cidrs, "apiServer.cidrs");
      checks.require(
        Number.isInteger(props.apiServer.port) && props.apiServer.port > 0 && props.apiServer.port < 65536,
        ["apiServer", "port"],
        `${props.apiServer.port} is not a port`,
        "use the API server's port, usually 6443",
      );
    }
    checks.throwIfAny(this, "NetworkLockdown");
    this.deps = props.dependsOn ? { dependsOn: props.dependsOn } : {};
    const ns = props.namespace;
    const dns = props.dns ?? DEFAULT_DNS;
    this.add("deny-all", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny-all", namespace: ns },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
    this.add("allow-dns", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-egress-cluster-dns", namespace: ns },
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": dns.namespace } },
                podSelector: { matchLabels: dns.podLabels },
              },
              ...(dns.nodeLocalAddress ? [{ ipBlock: { cidr: hostCidr(dns.nodeLocalAddress) } }] : []),
            ],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    });
    this.add("allow-in-country", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-egress-in-country", namespace: ns },
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [...props.egressCidrs].map((cidr) => ({ ipBlock: { cidr } })) }],
      },
    });
    this.add("allow-same-ns", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-same-namespace", namespace: ns },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    });
    if (props.apiServer) {
      this.add("allow-api-server", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-egress-api-server", namespace: ns },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            {
              to: props.apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
              ports: [{ protocol: "TCP", port: props.apiServer.port }],
            },
          ],
        },
      });
    }
    const from = props.ingressFromNamespaces ?? [];
    if (from.length > 0) {
      this.add("allow-ingress-from", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-ingress-from-namespaces", namespace: ns },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: from.map((n) => ({
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } },
              })),
            },
          ],
        },
      });
    }
  }

  private add(id: string, object: KubernetesObject): void {
    this.objects.push(new K8sObject(this, id, object, this.deps));
  }
}
