{{/* Object name: the model name, so one release per model reads naturally in kubectl. */}}
{{- define "inference-core.fullname" -}}
{{- .Values.model | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "inference-core.selectorLabels" -}}
app.kubernetes.io/name: inference-core
app.kubernetes.io/instance: {{ .Release.Name }}
sovereign.ai/model: {{ .Values.model }}
{{- end -}}

{{- define "inference-core.labels" -}}
{{ include "inference-core.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
sovereign.ai/site: {{ .Values.site }}
sovereign.ai/gpu-pool: {{ .Values.pool }}
sovereign.ai/data-class: {{ .Values.dataClass }}
{{- end -}}

{{/* Path the server loads the verified weights from (a directory, or one file). */}}
{{- define "inference-core.weightsPath" -}}
/cache/{{ .Values.weights.sha256 }}/{{ ternary "model" "weights" (eq .Values.weights.format "directory") }}
{{- end -}}

{{/* https URL of the weights, path-style: <endpoint>/<bucket>[/<prefix>]. */}}
{{- define "inference-core.weightsUrl" -}}
{{ .Values.weights.endpoint }}/{{ .Values.weights.bucket }}{{ with .Values.weights.prefix }}/{{ . }}{{ end }}
{{- end -}}

{{/*
Checks JSON Schema cannot express (it cannot compare two values). Every failure is reported at
once, each naming the field, the value and the fix.
*/}}
{{- define "inference-core.validate" -}}
{{- $errors := list -}}
{{- if gt (int .Values.replicas.min) (int .Values.replicas.max) -}}
{{- $errors = append $errors (printf "replicas.min (%d) must be <= replicas.max (%d): raise replicas.max or lower replicas.min" (int .Values.replicas.min) (int .Values.replicas.max)) -}}
{{- end -}}
{{- $prefix := printf "%s/" (trimSuffix "/" .Values.registry) -}}
{{- if not (hasPrefix $prefix .Values.image) -}}
{{- $errors = append $errors (printf "image %q is not from the in-country registry %q: mirror it and use %s<repo>@sha256:<digest>" .Values.image .Values.registry $prefix) -}}
{{- end -}}
{{- if and .Values.route.enabled (not .Values.route.gateway) -}}
{{- $errors = append $errors "route.gateway is required when route.enabled is true: set route.gateway.name and route.gateway.namespace" -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\ninvalid values:\n- %s" (join "\n- " $errors)) -}}
{{- end -}}
{{- end -}}

{{/* Restricted Pod Security container context: what every container here runs with. */}}
{{- define "inference-core.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
