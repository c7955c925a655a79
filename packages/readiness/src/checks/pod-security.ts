import {
  BASELINE_ALLOWED_CAPABILITIES,
  RESTRICTED_ALLOWED_CAPABILITIES,
  RESTRICTED_SECCOMP_TYPES,
  RESTRICTED_VOLUME_TYPES,
} from "../facts.js";
import { containersOf } from "../objects.js";
import type { Json } from "../types.js";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** One Pod Security Standards check: its id (as pod-security-admission names it) and what it finds. */
interface PssCheck {
  id: string;
  level: Exclude<PodSecurityLevel, "privileged">;
  check: (spec: Json) => string[];
}

const ctrs = (spec: Json) => containersOf(spec).map((x) => x.c);

const BASELINE_CAPS = new Set<string>(BASELINE_ALLOWED_CAPABILITIES);
const RESTRICTED_CAPS = new Set<string>(RESTRICTED_ALLOWED_CAPABILITIES);
const RESTRICTED_VOLUMES = new Set<string>(RESTRICTED_VOLUME_TYPES);

/** The checks that matter for what the kit creates, baseline first, then restricted. */
export const PSS_CHECKS: PssCheck[] = [
  {
    id: "hostNamespaces",
    level: "baseline",
    check: (s) => ["hostNetwork", "hostPID", "hostIPC"].filter((k) => s[k] === true).map((k) => `${k}: true`),
  },
  {
    id: "privileged",
    level: "baseline",
    check: (s) => ctrs(s).filter((c) => c.securityContext?.privileged === true).map((c) => `container ${c.name} is privileged`),
  },
  {
    id: "capabilities_baseline",
    level: "baseline",
    check: (s) =>
      ctrs(s).flatMap((c) =>
        ((c.securityContext?.capabilities?.add ?? []) as string[])
          .filter((cap) => !BASELINE_CAPS.has(cap))
          .map((cap) => `container ${c.name} adds capability ${cap}`),
      ),
  },
  {
    id: "hostPathVolumes",
    level: "baseline",
    check: (s) => ((s.volumes ?? []) as Json[]).filter((v) => v.hostPath).map((v) => `volume ${v.name} is a hostPath`),
  },
  {
    id: "hostPorts",
    level: "baseline",
    check: (s) =>
      ctrs(s).flatMap((c) =>
        ((c.ports ?? []) as Json[]).filter((p) => p.hostPort).map((p) => `container ${c.name} uses hostPort ${p.hostPort}`),
      ),
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    check: (s) =>
      [s, ...ctrs(s)]
        .filter((x) => x.securityContext?.seccompProfile?.type === "Unconfined")
        .map((x) => `${x.name ? `container ${x.name}` : "pod"} sets seccompProfile Unconfined`),
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    check: (s) =>
      ((s.volumes ?? []) as Json[])
        .filter((v) => !Object.keys(v).some((k) => k !== "name" && RESTRICTED_VOLUMES.has(k)))
        .map((v) => `volume ${v.name} has a type restricted does not allow`),
  },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    check: (s) =>
      ctrs(s)
        .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
        .map((c) => `container ${c.name} does not set allowPrivilegeEscalation: false`),
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    check: (s) => {
      const podSays = s.securityContext?.runAsNonRoot;
      return ctrs(s)
        .filter((c) => (c.securityContext?.runAsNonRoot ?? podSays) !== true)
        .map((c) => `container ${c.name} may run as root (runAsNonRoot not true on it or the pod)`);
    },
  },
  {
    id: "runAsUser",
    level: "restricted",
    check: (s) =>
      [s, ...ctrs(s)]
        .filter((x) => x.securityContext?.runAsUser === 0)
        .map((x) => `${x.name ? `container ${x.name}` : "pod"} sets runAsUser 0`),
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    check: (s) => {
      const podType = s.securityContext?.seccompProfile?.type;
      return ctrs(s)
        .filter((c) => !(RESTRICTED_SECCOMP_TYPES as readonly string[]).includes(c.securityContext?.seccompProfile?.type ?? podType))
        .map((c) => `container ${c.name} has no RuntimeDefault/Localhost seccompProfile (nor the pod)`);
    },
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    check: (s) =>
      ctrs(s).flatMap((c) => {
        const caps = c.securityContext?.capabilities ?? {};
        const out: string[] = [];
        if (!((caps.drop ?? []) as string[]).includes("ALL")) out.push(`container ${c.name} does not drop ALL capabilities`);
        for (const cap of (caps.add ?? []) as string[])
          if (!RESTRICTED_CAPS.has(cap)) out.push(`container ${c.name} adds capability ${cap}`);
        return out;
      }),
  },
];

/** Violations of the namespace's enforced level (privileged allows everything). */
export function podSecurityViolations(spec: Json, level: PodSecurityLevel): { id: string; detail: string }[] {
  if (level === "privileged") return [];
  return PSS_CHECKS.filter((c) => c.level === "baseline" || level === "restricted").flatMap((c) =>
    c.check(spec).map((detail) => ({ id: c.id, detail })),
  );
}
