import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envSchema } from '../src/config/env.schema.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

interface K8sDoc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}

interface Probe {
  httpGet: { path: string; port: string | number };
}

interface Container {
  name: string;
  image?: string;
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  lifecycle?: { preStop?: unknown };
}

const dir = join(process.cwd(), 'deploy', 'k8s');
const docs: K8sDoc[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as K8sDoc));
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const deployment = byKind('Deployment')[0];
const podSpec = (
  deployment.spec as { template: { spec: { containers: Container[]; terminationGracePeriodSeconds: number } } }
).template.spec;
const app = podSpec.containers[0];
const knownVariables = new Set(Object.keys(envSchema.shape));
const isKnownVariable = (name: string) =>
  knownVariables.has(name) || /^WEBHOOK_[A-Z0-9_]+_(SCHEME|SECRETS|ALLOWED_IPS)$/.test(name);

describe('deployment files', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has every object the platform needs', () => {
    for (const kind of [
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'ConfigMap',
      'Secret',
      'Job',
    ]) {
      expect(byKind(kind)).toHaveLength(1);
    }
    expect((deployment.spec as { replicas: number }).replicas).toBe(3);
  });

  it('probes paths that exist and answer 200', async () => {
    const probes = { startup: app.startupProbe, liveness: app.livenessProbe, readiness: app.readinessProbe };
    expect(probes.liveness?.httpGet.path).toBe('/health/live');
    expect(probes.readiness?.httpGet.path).toBe('/health/ready');
    for (const probe of Object.values(probes)) {
      expect(probe).toBeDefined();
      await t.http.get(probe!.httpGet.path).expect(200);
      expect(app.ports?.map((p) => p.name)).toContain(probe!.httpGet.port);
    }
  });

  it('serves on the port the container and the Service name', () => {
    const configMap = byKind('ConfigMap')[0];
    const port = app.ports!.find((p) => p.name === 'http')!.containerPort;
    expect(String(port)).toBe(configMap.data!.PORT);
    const service = byKind('Service')[0].spec as { ports: { targetPort: string }[] };
    expect(service.ports[0].targetPort).toBe('http');
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${port}\\b`));
  });

  it('names only variables the app reads, and every secret lives in the Secret', () => {
    const configMap = byKind('ConfigMap')[0];
    const secret = byKind('Secret')[0];
    const named = [...Object.keys(configMap.data ?? {}), ...Object.keys(secret.stringData ?? {})];
    expect(named.filter((v) => !isKnownVariable(v))).toEqual([]);
    for (const v of Object.keys(configMap.data ?? {})) expect(v).not.toMatch(/SECRET|PASSWORD|API_KEY|TOKEN$/);
    expect(Object.keys(secret.stringData ?? {})).toEqual(
      expect.arrayContaining(['AUTH_JWT_SECRET', 'AUTH_BOOTSTRAP_CLIENT_SECRET', 'DATABASE_URL', 'REDIS_URL']),
    );
    const refs = app.envFrom!.map((e) => e.configMapRef?.name ?? e.secretRef?.name);
    expect(refs).toEqual(expect.arrayContaining([configMap.metadata.name, secret.metadata.name]));
  });

  it('gives the pod time to drain what the app drains, and a preStop pause', () => {
    const drainS = Number(byKind('ConfigMap')[0].data!.SHUTDOWN_DRAIN_MS) / 1000;
    const totalTimeoutS = Number(byKind('ConfigMap')[0].data!.HTTP_TOTAL_TIMEOUT_MS) / 1000;
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drainS + totalTimeoutS);
    expect(app.lifecycle?.preStop).toBeDefined();
  });

  it('runs the migration job with the app image and the data source the CLI uses', () => {
    const job = byKind('Job')[0].spec as { template: { spec: { containers: Container[] } } };
    const command = job.template.spec.containers[0].command!.join(' ');
    expect(command).toContain('migration:run');
    expect(command).toContain('dist/src/database/data-source.js');
  });

  it('ships the Node 24 LTS release CI tests, in the image and under a tag naming it', () => {
    const tested = /^NODE24_VERSION=(\S+)$/m.exec(readFileSync('.ci/run', 'utf8'))?.[1];
    expect(tested).toMatch(/^24\.\d+\.\d+$/);
    const bases = [...readFileSync('Dockerfile', 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases).toEqual([`node:${tested}-bookworm-slim`, `node:${tested}-bookworm-slim`]);
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const job = byKind('Job')[0].spec as { template: { spec: { containers: Container[] } } };
    for (const image of [app.image, job.template.spec.containers[0].image]) {
      expect(image).toBe(`nest-integration-gateway:${version}-node${tested}`);
    }
  });
});
