import { describe, expect, it } from "vitest";
import { availablePacks, loadPacks } from "../src/pack.js";

/**
 * The rule ids of every shipped pack, pinned: a rule removed or renamed by accident fails here,
 * and one removed on purpose is removed here too, in the same change, for a reviewer to see.
 * A new pack adds its list.
 */
const GOLDEN: Record<string, string[]> = {
  "residency-core": [
    "image-in-country-registry",
    "image-pinned-digest",
    "storageclass-in-country-zones",
    "storageclass-encrypted",
    "pvc-approved-storage-class",
    "pvc-data-class-storage-class",
    "workload-endpoints-in-country",
    "data-uri-in-country",
    "workload-env-sources",
    "telemetry-in-country",
    "storageclass-provisioner-pinned",
    "persistentvolume-in-country",
    "pod-volumes-in-country",
    "pod-host-namespaces",
    "service-endpoints-in-country",
    "namespace-residency-label",
    "egress-in-country-cidrs",
    "service-exposure-in-country",
    "ingress-hosts-in-country",
    "approved-transfer-valid",
    "residency-labels",
    "interaction-log-retention",
    "state-backend-in-country",
    "helm-chart-source-in-country",
    "pod-dns-in-country",
    "pod-host-aliases-in-country",
    "pod-probe-hosts-in-country",
    "pod-host-ports",
    "container-privileges",
    "admission-webhooks-in-country",
    "backup-locations-in-country",
    "volume-snapshots-in-country",
    "gateway-in-country",
    "ingress-forwarding-in-country",
  ],
  "th-pdpa": ["th-transfer-basis-cited", "th-personal-data-encrypted"],
  "kr-pipa": ["kr-transfer-basis-cited", "kr-personal-data-encrypted"],
  "sa-pdpl": ["sa-transfer-basis-cited", "sa-personal-data-encrypted"],
  "training-ledger": ["training-recipe-approved", "training-data-in-recipe"],
};

describe("pinned rule ids per pack", () => {
  it("GIVEN the shipped packs WHEN listed THEN each has a pinned id list", () => {
    for (const pack of availablePacks()) expect(Object.keys(GOLDEN), `add ${pack} to GOLDEN`).toContain(pack);
  });

  it.each(Object.entries(GOLDEN))("GIVEN pack %s WHEN loaded THEN its rule ids are exactly the pinned ones", (pack, ids) => {
    const [loaded] = loadPacks([pack]);
    expect(loaded!.rules.map((r) => r.id).sort()).toEqual([...ids].sort());
  });
});
