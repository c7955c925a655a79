import type { DataClassName } from "@sovereign/profile";
import { Construct, type ITerraformDependable } from "./cdktf.js";
import { K8sObject } from "./k8s-object.js";
import { PRIORITY_BATCH } from "./priority-classes.js";
import { DATA_CLASS_LABEL, SITE_LABEL } from "./tenant-namespace.js";
import { isPinnedImage, PropChecks } from "./validate.js";

/** Props of {@link RetentionPurge}. */
export interface RetentionPurgeProps {
  /** Namespace of the claim. */
  readonly namespace: string;
  /** Claim holding the data (named after its data class). */
  readonly claimName: string;
  /** Data class of the claim (interaction-logs, checkpoints, backups, ...). */
  readonly dataClass: DataClassName;
  /** Site of the claim's storage class (the job runs where the data is). */
  readonly site: string;
  /** Files older than this many days are deleted. */
  readonly retentionDays: number;
  /**
   * Image running the purge; needs a POSIX shell and `find`. Must be in-country, by digest.
   * The serving stack passes the country's inference-core image (already mirrored, already
   * trusted by the kernel gate), so the purge adds no image to the supply chain.
   */
  readonly image: string;
  /** In-country registry prefix the image must start with. */
  readonly registry: string;
  /**
   * When the purge runs (cron syntax, UTC).
   * @default "17 3 * * *" — daily at a quiet hour, so nothing is kept more than a day too long.
   */
  readonly schedule?: string;
  /** Objects that must exist first (the claim). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A CronJob that deletes files of a data volume (interaction logs first of all) older than the
 * retention period: the residency control that makes `retentionDays` true rather than a label. Runs under the restricted Pod
 * Security profile with no network and a read-only root filesystem.
 */
export class RetentionPurge extends Construct {
  readonly object: K8sObject;

  constructor(scope: Construct, id: string, props: RetentionPurgeProps) {
    super(scope, id);
    const checks = new PropChecks();
    checks.require(
      Number.isInteger(props.retentionDays) && props.retentionDays >= 1,
      ["retentionDays"],
      `${props.retentionDays} is not a day count`,
      "give a whole number >= 1",
    );
    checks.require(
      isPinnedImage(props.image, props.registry),
      ["image"],
      `${JSON.stringify(props.image)} is not ${props.registry}/...@sha256:<digest>`,
      "use an image mirrored in-country, referenced by digest",
    );
    checks.throwIfAny(this, "RetentionPurge");
    const name = `purge-${props.claimName}`;
    // `-mtime +N` matches files modified more than N*24h ago, i.e. older than the retention.
    const script = `find /data -type f -mtime +${props.retentionDays - 1} -print -delete && find /data -mindepth 1 -type d -empty -delete`;
    this.object = new K8sObject(
      this,
      "cronjob",
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: {
          name,
          namespace: props.namespace,
          labels: {
            [DATA_CLASS_LABEL]: props.dataClass,
            [SITE_LABEL]: props.site,
            "sovereign.ai/retention-days": String(props.retentionDays),
          },
        },
        spec: {
          schedule: props.schedule ?? "17 3 * * *",
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              template: {
                metadata: {
                  labels: {
                    "app.kubernetes.io/name": name,
                    [DATA_CLASS_LABEL]: props.dataClass,
                    [SITE_LABEL]: props.site,
                  },
                },
                spec: {
                  restartPolicy: "Never",
                  priorityClassName: PRIORITY_BATCH,
                  automountServiceAccountToken: false,
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 65532,
                    runAsGroup: 65532,
                    fsGroup: 65532,
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                  containers: [
                    {
                      name: "purge",
                      image: props.image,
                      command: ["/bin/sh", "-c", script],
                      securityContext: {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        capabilities: { drop: ["ALL"] },
                      },
                      resources: {
                        requests: { cpu: "50m", memory: "64Mi" },
                        limits: { cpu: "500m", memory: "256Mi" },
                      },
                      volumeMounts: [{ name: "data", mountPath: "/data" }],
                    },
                  ],
                  volumes: [{ name: "data", persistentVolumeClaim: { claimName: props.claimName } }],
                },
              },
            },
          },
        },
      },
      props.dependsOn ? { dependsOn: props.dependsOn } : {},
    );
  }
}
