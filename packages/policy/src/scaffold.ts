import type { CountryProfile } from "@sovereign/profile";
import type { PolicyPack } from "./pack.js";

/** Framework ids look like `TH-PDPA`: a country code, a dash, the law's short name. */
export const FRAMEWORK_ID = /^[A-Z]{2}-[A-Z0-9-]+$/;

/** Pack file name for a framework: `KE-DPA` → `ke-dpa`. */
export function packNameOf(framework: string): string {
  return framework.toLowerCase();
}

/**
 * Frameworks the profile declares that no rule of its packs cites (no `legalRefs` entry): for
 * these the report has no provision to show, so it must say that no legal basis is recorded
 * rather than call the deployment compliant.
 */
export function uncitedFrameworks(profile: CountryProfile, packs: readonly PolicyPack[]): string[] {
  const cited = new Set(packs.flatMap((p) => p.rules.flatMap((r) => Object.keys(r.legalRefs))));
  return profile.spec.frameworks.filter((f) => !cited.has(f));
}

/**
 * A new country pack for `framework`, in the shape of the shipped ones: transfers abroad must
 * cite the framework, personal-data volumes must be encrypted. Every provision is a placeholder
 * marked CHANGE for the country's lawyers; the fixtures pass `sovereign policy test` as written.
 */
export function scaffoldPack(framework: string): { name: string; text: string } {
  const name = packNameOf(framework);
  const cc = name.slice(0, 2);
  const text = `# yaml-language-server: $schema=./policy-pack.schema.json
# ${framework}: country pack written by \`sovereign policy new ${framework}\`. It runs with residency-core for
# profiles whose spec.policies name it. Replace every provision marked CHANGE with the article of
# the law that requires the rule, then add the pack to the profile: spec.policies: [residency-core, ${name}].
apiVersion: sovereign.ai/v1alpha1
kind: PolicyPack
metadata:
  name: ${name}
spec:
  title: "${framework}" # CHANGE: the law's full title
  description: >-
    Rules specific to ${framework}, on top of residency-core: transfers abroad must rest on the
    law's transfer provision, and personal data must sit on encrypted storage.
  frameworks: [${framework}]
  rules:
    - id: ${cc}-transfer-basis-cited
      title: Approved transfers cite ${framework}
      rationale: >-
        An exemption from residency (the \`sovereign.ai/approved-transfer\` annotation) is only
        lawful when the approval rests on the law's transfer provision. The approval's legalBasis
        in the profile must cite ${framework}, so an officer can check the decision behind every
        exemption.
      severity: error
      legalRefs:
        ${framework}: ["CHANGE: article on transfers of personal data abroad"]
      targets:
        kubernetes: [{ apiGroups: ["*"], kinds: ["*"] }]
      matchConditions:
        - name: uses-current-transfer
          expression: >-
            has(object.metadata) && has(object.metadata.annotations) &&
            'sovereign.ai/approved-transfer' in object.metadata.annotations &&
            object.metadata.annotations['sovereign.ai/approved-transfer'] in params.data.approvedTransfers.split(',')
      variables:
        - name: basis
          expression: >-
            params.data['transfer.' + object.metadata.annotations['sovereign.ai/approved-transfer'] + '.legalBasis']
      validations:
        - expression: "variables.basis.contains('${framework}')"
          messageExpression: >-
            'approved transfer ' + object.metadata.annotations['sovereign.ai/approved-transfer'] +
            ' has legal basis "' + variables.basis + '", which does not cite ${framework}'
          fieldPath: metadata.annotations
      fixtures:
        pass:
          - name: transfer citing the law
            params: { transfer.eu-research-mirror.legalBasis: "${framework} transfer article, decision 2026/1" }
            object:
              apiVersion: v1
              kind: Service
              metadata: { name: mirror, namespace: research, annotations: { sovereign.ai/approved-transfer: eu-research-mirror } }
              spec: { type: ExternalName, externalName: mirror.research.example.org }
        fail:
          - name: transfer resting on an internal decision only
            params: { transfer.eu-research-mirror.legalBasis: "approved by the project board" }
            object:
              apiVersion: v1
              kind: Service
              metadata: { name: mirror, namespace: research, annotations: { sovereign.ai/approved-transfer: eu-research-mirror } }
              spec: { type: ExternalName, externalName: mirror.research.example.org }

    - id: ${cc}-personal-data-encrypted
      title: Personal data volumes use encrypted storage classes
      rationale: >-
        Interaction logs, training data, checkpoints and backups can contain personal data. Their
        volumes must use a storage class the profile declares encrypted (keys from the in-country
        KMS), as a security measure the law requires of the controller.
      severity: error
      legalRefs:
        ${framework}: ["CHANGE: article on security measures of the controller"]
      targets:
        kubernetes:
          - { apiGroups: [""], kinds: [PersistentVolumeClaim] }
          - { apiGroups: [apps], kinds: [StatefulSet] }
      variables:
        - name: claims
          expression: >-
            (object.kind == 'PersistentVolumeClaim' ? [object] :
            (has(object.spec.volumeClaimTemplates) ? object.spec.volumeClaimTemplates : []))
            .filter(c, has(c.metadata.labels) && 'sovereign.ai/data-class' in c.metadata.labels &&
              c.metadata.labels['sovereign.ai/data-class'] in ['interaction-logs', 'training-data', 'checkpoints', 'backups'])
        - name: unencrypted
          expression: >-
            variables.claims.filter(c, !has(c.spec.storageClassName) ||
              !(c.spec.storageClassName in params.data.encryptedStorageClasses.split(',')))
      validations:
        - expression: "size(variables.unencrypted) == 0"
          messageExpression: >-
            'personal-data volumes on a storage class not declared encrypted (encrypted: ' +
            params.data.encryptedStorageClasses + '): ' + variables.unencrypted.map(c,
            (has(c.metadata.name) ? c.metadata.name : '(unnamed)') + '=' +
            (has(c.spec.storageClassName) ? c.spec.storageClassName : '(cluster default)')).join(', ')
          fieldPath: spec.storageClassName
      fixtures:
        pass:
          - name: logs on an encrypted class
            object:
              apiVersion: v1
              kind: PersistentVolumeClaim
              metadata: { name: logs, namespace: data, labels: { sovereign.ai/data-class: interaction-logs, sovereign.ai/site: fx1 } }
              spec: { storageClassName: resident-block }
        fail:
          - name: training data on a class the profile does not declare encrypted
            params: { encryptedStorageClasses: "resident-block,resident-archive" }
            object:
              apiVersion: v1
              kind: PersistentVolumeClaim
              metadata: { name: corpus, namespace: training, labels: { sovereign.ai/data-class: training-data, sovereign.ai/site: fx1 } }
              spec: { storageClassName: scratch }
`;
  return { name, text };
}
