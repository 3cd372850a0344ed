import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { HEALTH_PATH } from "../../src/app/http-routes.js";
import { AIRTABLE_WEBHOOK_PATH } from "../../src/airtable/airtable-change-feed.js";
import { ConfigMap, PersistentVolumeClaim, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";

const DEPLOY = fileURLToPath(new URL("../../deploy/kubernetes/", import.meta.url));

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

/**
 * `kubectl kustomize` (Debian's kubernetes-client has it built in), else a standalone
 * `kustomize build`. The manifests stay within kustomize v2.0.3 so either renders them.
 */
function renderer(): { command: string; args: (dir: string) => string[] } {
  const candidates = [
    { command: "kubectl", args: (dir: string) => ["kustomize", dir], probe: ["kustomize", "--help"] },
    { command: "kustomize", args: (dir: string) => ["build", dir], probe: ["version"] },
  ];
  for (const c of candidates) {
    try {
      execFileSync(c.command, c.probe, { stdio: "ignore", timeout: 30_000 });
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error("no kustomize renderer found: install kubectl (Debian: apt-get install kubernetes-client) or kustomize");
}

function render(dir: string): Resource[] {
  const { command, args } = renderer();
  const text = execFileSync(command, args(`${DEPLOY}${dir}`), { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as Resource).filter((r) => r !== null);
}

/** kubernetes-models' classes: `validate()` checks a resource against Kubernetes' OpenAPI schema. */
const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "batch/v1/CronJob": CronJob,
  "networking.k8s.io/v1/Ingress": Ingress,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

function validateAgainstSchema(resource: Resource): void {
  const Model = MODELS[`${resource.apiVersion}/${resource.kind}`];
  if (!Model) throw new Error(`no model for ${resource.apiVersion} ${resource.kind}: add it from kubernetes-models`);
  new Model(resource as never).validate();
}

const byKind = (resources: Resource[], kind: string) => resources.filter((r) => r.kind === kind);
const one = (resources: Resource[], kind: string) => {
  const found = byKind(resources, kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

/** Every credential the app reads; each must come from a Secret, never a literal or the ConfigMap. */
const CREDENTIALS = [
  "APP_ID",
  "PRIVATE_KEY",
  "WEBHOOK_SECRET",
  "HUB_SALES_DATABASE_URL",
  "REDIS_URL",
  "AIRTABLE_TOKEN",
  "SMTP_URL",
  "DASHBOARD_TOKEN",
  "HUB_SALES_METRICS_TOKEN",
  "GITHUB_CLIENT_ID",
  "GITHUB_CLIENT_SECRET",
];

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } };

describe("the Kubernetes manifests", () => {
  const base = render("base");
  const sqlite = render("overlays/single-replica-sqlite");
  const cronjob = render("reconcile-cronjob");

  it("render to resources that each validate against Kubernetes' schemas", () => {
    for (const resource of [...base, ...sqlite, ...cronjob]) {
      expect(() => validateAgainstSchema(resource), `${resource.kind}/${resource.metadata.name}`).not.toThrow();
    }
    expect(base.map((r) => r.kind).sort()).toEqual(["ConfigMap", "Deployment", "Ingress", "PodDisruptionBudget", "Service"]);
    expect(sqlite.map((r) => r.kind).sort()).toEqual(["ConfigMap", "Deployment", "Ingress", "PersistentVolumeClaim", "PodDisruptionBudget", "Service"]);
    expect(cronjob.map((r) => r.kind)).toEqual(["CronJob"]);
  });

  it("base: two replicas rolling one at a time, probed on the health route, spread over nodes", () => {
    const deployment = one(base, "Deployment");
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe("kubernetes.io/hostname");
    const [container] = pod.containers;
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
      expect(container[probe].httpGet, probe).toEqual({ path: HEALTH_PATH, port: "http" });
    }
    expect(container.ports).toEqual([{ name: "http", containerPort: 3000 }]);
    // The selector picks the pods, and the Service and the budget pick the same ones.
    const labels = pod.metadata?.labels ?? deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(one(base, "Service").spec.selector).toEqual(labels);
    expect(one(base, "PodDisruptionBudget").spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: labels } });
  });

  it("takes every credential from the Secret and nothing secret from the ConfigMap", () => {
    const env = one(base, "Deployment").spec.template.spec.containers[0].env as Env[];
    for (const name of CREDENTIALS) {
      const entry = env.find((e) => e.name === name);
      expect(entry?.valueFrom?.secretKeyRef, name).toMatchObject({ name: "hub-sales-bot", key: name });
      expect(entry?.value, name).toBeUndefined();
    }
    const required = env.filter((e) => e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional).map((e) => e.name);
    expect(required.sort()).toEqual(["APP_ID", "HUB_SALES_DATABASE_URL", "PRIVATE_KEY", "WEBHOOK_SECRET"]);
    const config = one(base, "ConfigMap").data ?? {};
    for (const name of CREDENTIALS) expect(Object.keys(config)).not.toContain(name);
    for (const job of byKind(cronjob, "CronJob")) {
      const jobEnv = job.spec.jobTemplate.spec.template.spec.containers[0].env as Env[];
      for (const e of jobEnv) expect(CREDENTIALS.includes(e.name) ? e.valueFrom?.secretKeyRef?.key : e.name, e.name).toBe(e.name);
    }
  });

  it("routes the GitHub webhook and the AirTable notification paths, and nothing else, from outside", () => {
    const ingress = one(base, "Ingress");
    const paths = ingress.spec.rules.flatMap((r: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }) => r.http.paths);
    expect(paths.map((p: { path: string }) => p.path).sort()).toEqual(["/api/github/webhooks", AIRTABLE_WEBHOOK_PATH].sort());
    for (const p of paths) expect(p.backend.service.name).toBe(one(base, "Service").metadata.name);
  });

  it("single-replica overlay: one pod on SQLite with its volume, recreated rather than rolled", () => {
    const deployment = one(sqlite, "Deployment");
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: "Recreate" });
    const pod = deployment.spec.template.spec;
    const claim = one(sqlite, "PersistentVolumeClaim");
    expect(pod.volumes.find((v: { name: string }) => v.name === "data")).toEqual({ name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } });
    const env = pod.containers[0].env as Env[];
    expect(env.map((e) => e.name)).not.toContain("HUB_SALES_DATABASE_URL");
    const mount = pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === "data");
    expect(one(sqlite, "ConfigMap").data?.HUB_SALES_DB?.startsWith(`${mount.mountPath}/`)).toBe(true);
  });

  it("the optional CronJob runs `hub-sales reconcile` one at a time", () => {
    const job = one(cronjob, "CronJob");
    expect(job.spec.concurrencyPolicy).toBe("Forbid");
    expect(job.spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(["node", "bin/hub-sales.js", "reconcile"]);
  });
});
