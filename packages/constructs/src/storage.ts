import type { DataClassName } from "@sovereign/profile";
import { isQuantity } from "@sovereign/profile";
import { Construct, type ITerraformDependable } from "./cdktf.js";
import { K8sObject } from "./k8s-object.js";
import { DATA_CLASS_LABEL, SITE_LABEL } from "./tenant-namespace.js";
import { PropChecks } from "./validate.js";

/** Label and annotation carrying a volume's retention period in days. */
export const RETENTION_DAYS = "sovereign.ai/retention-days";

/** Zone label the scheduler and CSI drivers use for topology. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/** Keys of CSI parameters that would carry a secret value instead of a reference. */
const SECRET_PARAM = /(password|passphrase|secret[-_]?key|access[-_]?key|token|credential)/i;
const SECRET_REF = /-(name|namespace)$/;

/** The in-country key management service volumes are encrypted with. */
export interface KmsRef {
  /** KMS endpoint (https, in-country). */
  readonly endpoint: string;
  /** Key (or key ring) reference inside the KMS; never key material. */
  readonly keyRef: string;
}

/** Props of {@link ResidentStorageClass}. */
export interface ResidentStorageClassProps {
  /** StorageClass name. */
  readonly name: string;
  /** Site the class belongs to; stamped as `sovereign.ai/site`. */
  readonly site: string;
  /** The site's zones: volumes of this class are provisioned only there. */
  readonly zones: string[];
  /** CSI driver. */
  readonly provisioner: string;
  /** In-country KMS the volumes are encrypted with. */
  readonly kms: KmsRef;
  /**
   * Encrypt volumes. Residency policies refuse `false`.
   * @default true
   */
  readonly encrypted?: boolean;
  /**
   * What happens to a volume when its claim is deleted.
   * @default "Retain" — weights, training data, checkpoints and backups must survive a mistaken
   * `terraform destroy`; deleting them is a decision, not a side effect.
   */
  readonly reclaimPolicy?: "Retain" | "Delete";
  /** Extra CSI parameters (references to Secrets by name only; secret values are refused). */
  readonly parameters?: Record<string, string>;
  /**
   * Ceph cluster, pool and Secret references for the ceph-csi drivers.
   * @default none — then `parameters` must carry them, or the class cannot provision.
   */
  readonly ceph?: CephRef;
}

/** ceph-csi drivers (upstream record `upstream/ceph-csi-v3.12.2.json`). */
const CEPH_RBD = "rbd.csi.ceph.com";
const CEPH_FS = "cephfs.csi.ceph.com";

/** Where a ceph-csi class provisions from; the Secret is referenced by name, never read. */
export interface CephRef {
  readonly clusterID: string;
  /** RBD pool (rbd), or the data pool (cephfs, optional). */
  readonly pool?: string;
  /** CephFS file system (cephfs). */
  readonly fsName?: string;
  readonly secretName: string;
  readonly secretNamespace: string;
  /** Id of the entry in ceph-csi's KMS config that points at the in-country KMS. */
  readonly kmsID?: string;
}

/** The parameters a ceph-csi StorageClass needs to provision: cluster, pool, credentials Secrets. */
export function cephParameters(provisioner: string, ceph: CephRef): Record<string, string> {
  const secret: Record<string, string> = {};
  for (const op of ["provisioner", "controller-expand", "node-stage"]) {
    secret[`csi.storage.k8s.io/${op}-secret-name`] = ceph.secretName;
    secret[`csi.storage.k8s.io/${op}-secret-namespace`] = ceph.secretNamespace;
  }
  return {
    clusterID: ceph.clusterID,
    ...(provisioner === CEPH_FS && ceph.fsName ? { fsName: ceph.fsName } : {}),
    ...(ceph.pool ? { pool: ceph.pool } : {}),
    ...(provisioner === CEPH_RBD ? { imageFeatures: "layering", "csi.storage.k8s.io/fstype": "ext4" } : {}),
    ...secret,
  };
}

/**
 * CSI parameters that turn encryption on with the in-country KMS, by driver. ceph-csi looks the
 * KMS connection up by `encryptionKMSID` in its KMS config map, so the id must be an entry there
 * (the profile's `ceph.kmsID`); other drivers get the key reference itself.
 */
export function encryptionParameters(provisioner: string, kms: KmsRef, kmsID?: string): Record<string, string> {
  if (provisioner === CEPH_RBD || provisioner === CEPH_FS) {
    return { encrypted: "true", encryptionKMSID: kmsID ?? kms.keyRef };
  }
  return { encrypted: "true", kmsKeyId: kms.keyRef };
}

/**
 * The parameters a ResidentStorageClass gets: the driver's own (Ceph cluster, pool, Secrets), the
 * profile's extra ones, and encryption with the in-country KMS. The residency params pin classes
 * to exactly these, so a class re-created under the same name with others is refused.
 */
export function residentClassParameters(
  props: Pick<ResidentStorageClassProps, "provisioner" | "kms" | "encrypted" | "parameters" | "ceph">,
): Record<string, string> {
  return {
    ...(props.ceph ? cephParameters(props.provisioner, props.ceph) : {}),
    ...props.parameters,
    ...((props.encrypted ?? true)
      ? encryptionParameters(props.provisioner, props.kms, props.ceph?.kmsID ?? props.parameters?.encryptionKMSID)
      : {}),
  };
}

/**
 * A StorageClass that cannot place data outside its site: `allowedTopologies` lists only the
 * site's zones, binding waits for the consuming pod (so the zone is the pod's, inside the list),
 * volumes are encrypted with the in-country KMS and retained by default.
 */
export class ResidentStorageClass extends Construct {
  readonly name: string;
  readonly object: K8sObject;

  constructor(scope: Construct, id: string, props: ResidentStorageClassProps) {
    super(scope, id);
    const checks = new PropChecks();
    checks.label(props.name, ["name"]);
    checks.require(
      props.zones.length > 0,
      ["zones"],
      "no zone given: the class could provision anywhere",
      "pass the site's zones",
    );
    checks.require(
      props.kms.keyRef.length > 0,
      ["kms", "keyRef"],
      "empty KMS key reference",
      "set spec.kms.keyRef",
    );
    for (const [k, v] of Object.entries(props.parameters ?? {})) {
      checks.require(
        !SECRET_PARAM.test(k) || SECRET_REF.test(k),
        ["parameters", k],
        `parameter ${JSON.stringify(k)} looks like a secret value (${v.length} characters)`,
        "store the value in a Secret and pass its name with a `...-secret-name` parameter",
      );
    }
    checks.throwIfAny(this, "ResidentStorageClass");
    this.name = props.name;
    const encrypted = props.encrypted ?? true;
    this.object = new K8sObject(this, "class", {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: {
        name: props.name,
        labels: { [SITE_LABEL]: props.site },
        annotations: {
          "sovereign.ai/kms-endpoint": props.kms.endpoint,
          "sovereign.ai/kms-key-ref": props.kms.keyRef,
        },
      },
      provisioner: props.provisioner,
      parameters: residentClassParameters({ ...props, encrypted }),
      reclaimPolicy: props.reclaimPolicy ?? "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      allowedTopologies: [{ matchLabelExpressions: [{ key: ZONE_LABEL, values: [...props.zones] }] }],
    });
  }
}

/** Props of {@link DataVolume}. */
export interface DataVolumeProps {
  /** Data class the volume holds; names the claim and labels it. */
  readonly dataClass: DataClassName;
  /**
   * Claim name.
   * @default the data class — one volume per data class per namespace, found by name.
   */
  readonly claimName?: string;
  /** Namespace of the claim (that of the pods using it). */
  readonly namespace: string;
  /** A ResidentStorageClass (binding the volume to its site). */
  readonly storageClass: ResidentStorageClass;
  /** Site of the storage class. */
  readonly site: string;
  /** Requested size, e.g. `2Ti`. */
  readonly size: string;
  /**
   * Days data is kept; stamped as `sovereign.ai/retention-days` for the purge job and the report.
   * @default undefined — kept until deleted by a person.
   */
  readonly retentionDays?: number;
  /**
   * Access modes of the claim.
   * @default ["ReadWriteOnce"] — what every block CSI driver supports.
   */
  readonly accessModes?: string[];
  /** Objects that must exist first (namespace, storage class). */
  readonly dependsOn?: ITerraformDependable[];
}

/** A PersistentVolumeClaim for one data class, labelled with its class, site and retention. */
export class DataVolume extends Construct {
  /** Claim name (= the data class). */
  readonly claimName: string;
  readonly object: K8sObject;

  constructor(scope: Construct, id: string, props: DataVolumeProps) {
    super(scope, id);
    const checks = new PropChecks();
    if (props.claimName !== undefined) {
      checks.label(props.claimName, ["claimName"]);
    }
    checks.require(
      isQuantity(props.size),
      ["size"],
      `${JSON.stringify(props.size)} is not a quantity`,
      "e.g. 500Gi or 2Ti",
    );
    checks.require(
      props.retentionDays === undefined ||
        (Number.isInteger(props.retentionDays) && props.retentionDays >= 1),
      ["retentionDays"],
      `${props.retentionDays} is not a day count`,
      "give a whole number >= 1",
    );
    checks.throwIfAny(this, "DataVolume");
    this.claimName = props.claimName ?? props.dataClass;
    const labels: Record<string, string> = { [DATA_CLASS_LABEL]: props.dataClass, [SITE_LABEL]: props.site };
    let annotations: Record<string, string> | undefined;
    if (props.retentionDays !== undefined) {
      // Label for selection, annotation for the residency policy and the compliance report.
      labels[RETENTION_DAYS] = String(props.retentionDays);
      annotations = { [RETENTION_DAYS]: String(props.retentionDays) };
    }
    this.object = new K8sObject(
      this,
      "claim",
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        // No empty annotations map: the provider reads one back as absent and plans a diff forever.
        metadata: { name: this.claimName, namespace: props.namespace, labels, ...(annotations ? { annotations } : {}) },
        spec: {
          accessModes: props.accessModes ?? ["ReadWriteOnce"],
          storageClassName: props.storageClass.name,
          resources: { requests: { storage: props.size } },
        },
      },
      {
        dependsOn: [props.storageClass.object.resource, ...(props.dependsOn ?? [])],
      },
    );
  }
}
