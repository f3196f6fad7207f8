/**
 * Keeps docker-compose.yml, the kustomize manifests and the Docker build in step with the service
 * catalog (libs/service-kit/src/catalog.ts): a service added, renamed, re-ported or given a new
 * channel variable must show up everywhere, or this fails naming what drifted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { COMMON_ENV, ENV, SERVICES, envOf, type EnvSpec, type ServiceEntry } from '../../libs/service-kit/src/catalog';

const root = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const INFRA = ['kafka', 'postgres', 'otel-collector', 'jaeger', 'prometheus', 'grafana'];

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML is untyped by nature */
type Yaml = any;

describe('docker-compose.yml', () => {
  // merge: true resolves `<<: *anchor` the way docker compose does.
  const compose: Yaml = parse(read('docker-compose.yml'), { merge: true });
  const services: Record<string, Yaml> = compose.services;

  it('has exactly the infrastructure plus every catalog service', () => {
    expect(Object.keys(services).sort()).toEqual([...INFRA, ...SERVICES.map((s) => s.name)].sort());
  });

  it('publishes distinct host ports', () => {
    const published = Object.values(services).flatMap((s: Yaml) => (s.ports ?? []).map((p: string) => String(p).split(':').slice(-2)[0]));
    expect(new Set(published).size).toBe(published.length);
  });

  it('publishes infrastructure on 127.0.0.1 only', () => {
    for (const name of INFRA) for (const port of services[name].ports ?? []) expect({ name, port: String(port) }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:/) });
  });

  describe.each(SERVICES.map((s) => [s.name, s] as [string, ServiceEntry]))('%s', (name, entry) => {
    const svc = () => services[name];
    const env = () => svc().environment as Record<string, string>;

    it('is built from the one Dockerfile with SERVICE as build arg and env', () => {
      expect(svc().build).toMatchObject({ context: '.', dockerfile: 'deploy/docker/Dockerfile', args: { SERVICE: name } });
      expect(env().SERVICE).toBe(name);
    });

    it(entry.kind === 'gateway' ? `publishes its webhook port ${entry.port} and sets PORT to it` : `sets PORT ${entry.port} and publishes nothing`, () => {
      expect(svc().ports).toEqual(entry.kind === 'gateway' ? [`${entry.port}:${entry.port}`] : undefined);
      expect(env().PORT).toBe(String(entry.port));
    });

    it('gets Kafka, the database and OpenTelemetry settings', () => {
      expect(env().KAFKA_BROKERS).toBe('kafka:9092');
      expect(env().DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\/omni$/);
      expect(env().OTEL_SERVICE_NAME).toBe(name);
      expect(env().OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
      expect(env().LOG_LEVEL).toBeTruthy();
    });

    it(`gets exactly the catalog's channel variables (${envOf(entry).join(', ') || 'none'})`, () => {
      const extra = Object.keys(env())
        .filter((k) => !(COMMON_ENV as readonly string[]).includes(k) && k !== 'SERVICE')
        .sort();
      expect(extra).toEqual(envOf(entry).sort());
      for (const variable of envOf(entry)) {
        // Substituted from the caller's environment, with a harmless fallback (empty for optional
        // settings, which the services treat as unset): no secret in the file.
        expect(env()[variable]).toMatch(new RegExp(`^\\$\\{${variable}:-[^}]*\\}$`));
      }
    });

    it('waits for healthy Kafka and PostgreSQL', () => {
      expect(svc().depends_on).toMatchObject({ kafka: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    });

    it('has a healthcheck on /health/ready', () => {
      expect([svc().healthcheck.test].flat().join(' ')).toContain('/health/ready');
    });
  });

  it('runs Kafka 3.9 in KRaft mode, the same version as deploy/kafka-local', () => {
    const kafka = services.kafka;
    const pomVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('deploy/kafka-local/pom.xml'))?.[1];
    expect(kafka.image).toBe(`apache/kafka:${pomVersion}`);
    expect(pomVersion).toMatch(/^3\.9\./);
    expect(kafka.environment).toMatchObject({
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1,
    });
    expect(kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    expect(kafka.healthcheck.test).toBeDefined();
  });

  it('runs PostgreSQL 15 with a healthcheck and the init script creating `omni`', () => {
    const postgres = services.postgres;
    expect(postgres.image).toMatch(/^postgres:15/);
    expect(postgres.healthcheck.test).toBeDefined();
    const init = (postgres.volumes as string[]).find((v) => v.includes('docker-entrypoint-initdb.d'));
    expect(init).toBeDefined();
    const initFile = init!.split(':')[0];
    expect(read(initFile)).toMatch(/CREATE DATABASE omni/);
  });

  it('sends traces through the OTel collector to Jaeger (UI on 16686)', () => {
    const collector = services['otel-collector'];
    expect(collector.image).toMatch(/^otel\/opentelemetry-collector-contrib:/);
    expect((collector.volumes as string[]).some((v) => v.startsWith('./deploy/docker/otel-collector.yaml:'))).toBe(true);
    const config: Yaml = parse(read('deploy/docker/otel-collector.yaml'));
    expect(config.service.pipelines.traces.receivers).toContain('otlp');
    expect(config.exporters['otlp/jaeger'].endpoint).toBe('jaeger:4317');
    expect(services.jaeger.ports).toContain('127.0.0.1:16686:16686');
  });
});

describe('deploy/docker', () => {
  const dockerfile = read('deploy/docker/Dockerfile');

  it('builds on Node 24 LTS, runs as the non-root node user, and picks the app by SERVICE', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(dockerfile).toMatch(/npm ci\b/);
    expect(dockerfile).toMatch(/npm ci --omit=dev|npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENV SERVICE=/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^CMD \["\/app\/deploy\/docker\/entrypoint\.sh"\]$/m);
    expect(read('deploy/docker/entrypoint.sh')).toContain('exec node "$main"');
  });

  it('keeps local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git', '.env']) expect(ignored).toContain(entry);
  });
});

describe('deploy/k8s', () => {
  const base = 'deploy/k8s/base';
  const kustomization: Yaml = parse(read(`${base}/kustomization.yaml`));
  const docs: Yaml[] = readdirSync(join(root, base, 'services'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(read(`${base}/services/${f}`)).map((d) => d.toJS()));
  const find = (kind: string, name: string) => docs.find((d) => d?.kind === kind && d.metadata?.name === name);
  const defaults: Yaml = parse(read(`${base}/patches/service-defaults.yaml`));
  const defaultsContainer = defaults.spec.template.spec.containers[0];

  it('has no manifest for a service the catalog does not know', () => {
    const names = new Set(SERVICES.map((s) => s.name));
    expect(docs.filter((d) => !names.has(d.metadata.name)).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([]);
  });

  describe.each(SERVICES.map((s) => [s.name, s] as [string, ServiceEntry]))('%s', (name, entry) => {
    it('has a Deployment running the omni image with SERVICE, PORT and the http port', () => {
      const deployment = find('Deployment', name);
      expect(deployment).toBeDefined();
      expect(kustomization.resources).toContain(`services/${name}.yaml`);
      const [container] = deployment.spec.template.spec.containers;
      expect(container.name).toBe('app');
      expect(container.image).toBe('omni');
      expect(container.ports).toEqual([{ name: 'http', containerPort: entry.port }]);
      const env = Object.fromEntries((container.env as Yaml[]).map((e) => [e.name, e]));
      expect(env.SERVICE.value).toBe(name);
      expect(env.PORT.value).toBe(String(entry.port));
      expect(env.OTEL_SERVICE_NAME.value).toBe(name);
      // Exactly the catalog's variables: secrets by reference only, per-environment values from the
      // omni-channels ConfigMap, plain settings inline (their default, or empty = unset).
      expect(Object.keys(env).filter((k) => !['SERVICE', 'PORT', 'OTEL_SERVICE_NAME'].includes(k)).sort()).toEqual(envOf(entry).sort());
      for (const variable of envOf(entry)) {
        const spec: EnvSpec = ENV[variable];
        if (spec.perEnvironment) expect(env[variable].valueFrom?.configMapKeyRef).toMatchObject({ name: 'omni-channels', key: variable });
        else if (spec.secret) expect(env[variable].valueFrom?.secretKeyRef?.key).toBe(variable);
        else expect(env[variable]).toEqual({ name: variable, value: spec.default ?? spec.dev ?? '' });
      }
      expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    });

    it(`has a Service on port ${entry.port} targeting the http port`, () => {
      const service = find('Service', name);
      expect(service).toBeDefined();
      expect(service.spec.ports).toEqual([{ name: 'http', port: entry.port, targetPort: 'http' }]);
      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': name });
    });
  });

  it('gives every Deployment probes, resources, a grace period and a non-root security context', () => {
    expect(kustomization.patches).toContainEqual({ path: 'patches/service-defaults.yaml', target: { kind: 'Deployment' } });
    expect(defaultsContainer.name).toBe('app');
    expect(defaultsContainer.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(defaultsContainer.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(defaultsContainer.resources.requests).toBeDefined();
    expect(defaultsContainer.resources.limits).toBeDefined();
    expect(defaults.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(0);
    expect(defaults.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  // The rendered output is the real contract; checked wherever kubectl (with kustomize) exists.
  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  })();
  (kubectl ? it.each(['base', 'overlays/dev', 'overlays/prod']) : it.skip.each(['base', 'overlays/dev', 'overlays/prod']))(
    'renders %s with probes on every catalog service',
    (dir) => {
      const out = execFileSync('kubectl', ['kustomize', join(root, 'deploy/k8s', dir)], { encoding: 'utf8', timeout: 60_000 });
      const rendered = parseAllDocuments(out).map((d) => d.toJS());
      for (const entry of SERVICES) {
        const deployment = rendered.find((d) => d.kind === 'Deployment' && d.metadata.name === entry.name);
        expect(deployment).toBeDefined();
        const [container] = deployment.spec.template.spec.containers;
        expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
        expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.ports).toEqual([{ name: 'http', containerPort: entry.port }]);
        expect(rendered.find((d) => d.kind === 'Service' && d.metadata.name === entry.name).spec.ports[0].port).toBe(entry.port);
      }
    },
  );
});

it('has the files the compose file and Dockerfile reference', () => {
  for (const file of ['deploy/docker/Dockerfile', 'deploy/docker/entrypoint.sh', 'deploy/docker/healthcheck.js', 'deploy/docker/otel-collector.yaml']) {
    expect(existsSync(join(root, file))).toBe(true);
  }
});
