import type { CountryProfile } from "@sovereign/profile";
import { stringify } from "yaml";

/**
 * Grafana dashboards and Prometheus alert rules for the GPU fleet (DCGM exporter metrics) and the
 * serving tier. Serving metrics are the inference-core names (`inference_*`) plus kube-state-metrics.
 */

interface Panel {
  title: string;
  expr: string;
  unit: string;
  legend: string;
}

/** Grafana's datasource variable, written literally into the dashboard JSON. */
const DATASOURCE = { type: "prometheus", uid: "$" + "{datasource}" };

function dashboard(
  uid: string,
  title: string,
  p: CountryProfile,
  panels: Panel[],
  variable?: { name: string; query: string },
) {
  return {
    uid,
    title: `${title}: ${p.spec.displayName}`,
    tags: ["sovereign", p.metadata.name],
    schemaVersion: 39,
    version: 1,
    editable: false,
    time: { from: "now-6h", to: "now" },
    templating: {
      list: variable
        ? [
            {
              name: variable.name,
              type: "query",
              datasource: DATASOURCE,
              query: variable.query,
              includeAll: true,
              multi: true,
              refresh: 2,
            },
          ]
        : [],
    },
    panels: panels.map((x, i) => ({
      id: i + 1,
      type: "timeseries",
      title: x.title,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      datasource: DATASOURCE,
      fieldConfig: { defaults: { unit: x.unit }, overrides: [] },
      targets: [{ refId: "A", expr: x.expr, legendFormat: x.legend }],
    })),
  };
}

export function gpuDashboard(p: CountryProfile): object {
  const sel = 'Hostname=~"$node"';
  return dashboard(
    `${p.metadata.name}-gpu`,
    "GPU fleet",
    p,
    [
      {
        title: "GPU utilisation",
        expr: `avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL{${sel}})`,
        unit: "percent",
        legend: "{{Hostname}}/{{gpu}}",
      },
      {
        title: "Tensor/graphics engine active",
        expr: `avg by (Hostname) (DCGM_FI_PROF_GR_ENGINE_ACTIVE{${sel}})`,
        unit: "percentunit",
        legend: "{{Hostname}}",
      },
      {
        title: "Framebuffer used",
        expr: `sum by (Hostname) (DCGM_FI_DEV_FB_USED{${sel}}) * 1024 * 1024`,
        unit: "bytes",
        legend: "{{Hostname}}",
      },
      {
        title: "Power draw",
        expr: `sum by (Hostname) (DCGM_FI_DEV_POWER_USAGE{${sel}})`,
        unit: "watt",
        legend: "{{Hostname}}",
      },
      {
        title: "GPU temperature",
        expr: `max by (Hostname, gpu) (DCGM_FI_DEV_GPU_TEMP{${sel}})`,
        unit: "celsius",
        legend: "{{Hostname}}/{{gpu}}",
      },
      {
        title: "XID errors",
        expr: `max by (Hostname, gpu) (DCGM_FI_DEV_XID_ERRORS{${sel}})`,
        unit: "none",
        legend: "{{Hostname}}/{{gpu}}",
      },
      {
        title: "Double-bit ECC errors",
        expr: `sum by (Hostname) (increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{${sel}}[1h]))`,
        unit: "none",
        legend: "{{Hostname}}",
      },
      {
        title: "GPUs reporting",
        expr: "count(DCGM_FI_DEV_GPU_UTIL)",
        unit: "none",
        legend: `expected ${p.spec.gpuPools.reduce((a, g) => a + g.nodes * g.gpusPerNode, 0)}`,
      },
    ],
    { name: "node", query: "label_values(DCGM_FI_DEV_GPU_UTIL, Hostname)" },
  );
}

export function servingDashboard(p: CountryProfile): object {
  const sel = 'model=~"$model"';
  return dashboard(
    `${p.metadata.name}-serving`,
    "Model serving",
    p,
    [
      {
        title: "Requests per second",
        expr: `sum by (model) (rate(inference_requests_total{${sel}}[5m]))`,
        unit: "reqps",
        legend: "{{model}}",
      },
      {
        title: "Error ratio",
        expr: `sum by (model) (rate(inference_requests_total{${sel},code=~"5.."}[5m])) / sum by (model) (rate(inference_requests_total{${sel}}[5m]))`,
        unit: "percentunit",
        legend: "{{model}}",
      },
      {
        title: "Time to first token p95",
        expr: `histogram_quantile(0.95, sum by (model, le) (rate(inference_time_to_first_token_seconds_bucket{${sel}}[5m])))`,
        unit: "s",
        legend: "{{model}}",
      },
      {
        title: "Request latency p95",
        expr: `histogram_quantile(0.95, sum by (model, le) (rate(inference_request_duration_seconds_bucket{${sel}}[5m])))`,
        unit: "s",
        legend: "{{model}}",
      },
      {
        title: "Generated tokens per second",
        expr: `sum by (model) (rate(inference_generated_tokens_total{${sel}}[5m]))`,
        unit: "none",
        legend: "{{model}}",
      },
      {
        title: "Available replicas",
        expr: `sum by (deployment) (kube_deployment_status_replicas_available{deployment=~"$model"})`,
        unit: "none",
        legend: "{{deployment}}",
      },
    ],
    { name: "model", query: "label_values(inference_requests_total, model)" },
  );
}

function rules(group: string, list: object[]): string {
  return stringify({ groups: [{ name: group, rules: list }] }, { lineWidth: 0 });
}

export function gpuAlertRules(p: CountryProfile): string {
  const gpus = p.spec.gpuPools.reduce((a, g) => a + g.nodes * g.gpusPerNode, 0);
  const cc = p.metadata.name;
  return rules(`${cc}-gpu`, [
    {
      alert: "GpuXidErrors",
      expr: "max by (Hostname, gpu) (DCGM_FI_DEV_XID_ERRORS) > 0",
      for: "0m",
      labels: { severity: "critical", country: cc },
      annotations: {
        summary: "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}",
        runbook: "runbooks/incident.md",
      },
    },
    {
      alert: "GpuDoubleBitEccErrors",
      expr: "increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL[15m]) > 0",
      for: "0m",
      labels: { severity: "critical", country: cc },
      annotations: {
        summary: "Uncorrectable ECC errors on {{ $labels.Hostname }}; cordon and drain the node",
        runbook: "runbooks/incident.md",
      },
    },
    {
      alert: "GpuTemperatureHigh",
      expr: "max by (Hostname, gpu) (DCGM_FI_DEV_GPU_TEMP) > 85",
      for: "10m",
      labels: { severity: "warning", country: cc },
      annotations: { summary: "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} at {{ $value }} °C" },
    },
    {
      alert: "GpusMissing",
      expr: `count(DCGM_FI_DEV_GPU_UTIL) < ${gpus}`,
      for: "15m",
      labels: { severity: "warning", country: cc },
      annotations: { summary: `Fewer GPUs report metrics than the ${gpus} the profile declares` },
    },
    {
      alert: "DcgmExporterDown",
      expr: 'absent(up{job=~".*dcgm.*"} == 1)',
      for: "10m",
      labels: { severity: "warning", country: cc },
      annotations: { summary: "No DCGM exporter is being scraped: GPU health is unobserved" },
    },
  ]);
}

export function servingAlertRules(p: CountryProfile): string {
  const cc = p.metadata.name;
  return rules(`${cc}-serving`, [
    {
      alert: "ServingHighErrorRate",
      expr: 'sum by (model) (rate(inference_requests_total{code=~"5.."}[5m])) / sum by (model) (rate(inference_requests_total[5m])) > 0.05',
      for: "10m",
      labels: { severity: "critical", country: cc },
      annotations: {
        summary: "{{ $labels.model }} fails more than 5% of requests",
        runbook: "runbooks/incident.md",
      },
    },
    {
      alert: "ServingSlowFirstToken",
      expr: "histogram_quantile(0.95, sum by (model, le) (rate(inference_time_to_first_token_seconds_bucket[5m]))) > 2",
      for: "15m",
      labels: { severity: "warning", country: cc },
      annotations: { summary: "{{ $labels.model }} p95 time to first token above 2 s" },
    },
    ...p.spec.serving.models.map((m) => ({
      alert: "ServingReplicasBelowMinimum",
      expr: `sum(kube_deployment_status_replicas_available{deployment="${m.name}"}) < ${m.replicas.min}`,
      for: "10m",
      labels: { severity: "critical", country: cc, model: m.name },
      annotations: {
        summary: `${m.name} has fewer than ${m.replicas.min} available replicas`,
        runbook: "runbooks/rollback.md",
      },
    })),
  ]);
}
