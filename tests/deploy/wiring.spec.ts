/**
 * The wiring generated from the service catalog (tools/wiring) is what is checked in: after any
 * catalog edit, `npm run wiring` must have been run. Fails naming each stale file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CHANNEL_SLUGS } from '@omni/contracts';
import { ENV, SERVICES, SINGLE_NODE_TOPIC_PARTITIONS, devSecrets, testSecrets, type EnvSpec } from '../../libs/service-kit/src/catalog';
import { staleFiles } from '../../tools/wiring/cli';
import { DEFAULT_CATALOG, generateWiring } from '../../tools/wiring/generate';

const root = join(__dirname, '../..');

describe('generated wiring', () => {
  it('is up to date with the catalog (run `npm run wiring` after editing it)', () => {
    expect(staleFiles()).toEqual([]);
  });

  it('produces valid YAML for every manifest', () => {
    for (const file of generateWiring().filter((f) => f.path.endsWith('.yaml') || f.path.endsWith('.yml'))) {
      const docs = parseAllDocuments(file.content, { merge: true });
      expect({ file: file.path, errors: docs.flatMap((d) => d.errors.map((e) => e.message)) }).toEqual({ file: file.path, errors: [] });
    }
  });

  it('changes when the catalog does: a new gateway shows up in compose, k8s, the normalizer and the harness', () => {
    const telegram = SERVICES.find((s) => s.name === 'gateway-telegram')!;
    const extra = { ...telegram, name: 'gateway-example', port: 3199, schema: 'gateway_example', env: ['EXAMPLE_TOKEN'], definition: 'gatewayExample', channel: { slug: 'example', parser: 'exampleParser' } };
    const files = new Map(generateWiring({ services: [...SERVICES, extra], env: { ...ENV, EXAMPLE_TOKEN: { secret: 'omni-example', required: true, dev: 'dev-example-token' } } }).map((f) => [f.path, f.content]));
    expect(parse(files.get('docker-compose.yml')!, { merge: true }).services['gateway-example']).toMatchObject({ ports: ['3199:3199'], environment: { PORT: '3199', EXAMPLE_TOKEN: '${EXAMPLE_TOKEN:-dev-example-token}' } });
    expect(files.get('deploy/k8s/base/services/gateway-example.yaml')).toContain('key: EXAMPLE_TOKEN');
    expect(parse(files.get('deploy/k8s/base/kustomization.yaml')!).resources).toContain('services/gateway-example.yaml');
    expect(parse(files.get('deploy/k8s/overlays/dev/kustomization.yaml')!).secretGenerator).toContainEqual({ name: 'omni-example', literals: ['EXAMPLE_TOKEN=dev-example-token'] });
    expect(files.get('services/normalizer/src/domain/parsers.ts')).toContain("import { exampleParser } from '@omni/channel-example';");
    expect(files.get('tests/e2e/src/services.generated.ts')).toContain("'gateway-example': gatewayExample,");
  });

  it('gives a shared setting (e.g. an auth secret) to every service from one catalog line', () => {
    const env: Record<string, EnvSpec> = { ...ENV, AUTH_EXAMPLE_SECRET: { secret: 'omni-auth', required: true, dev: 'dev-auth-secret', shared: true } };
    const compose = parse(generateWiring({ services: SERVICES, env }).find((f) => f.path === 'docker-compose.yml')!.content, { merge: true });
    for (const service of SERVICES) expect(compose.services[service.name].environment.AUTH_EXAMPLE_SECRET).toBe('${AUTH_EXAMPLE_SECRET:-dev-auth-secret}');
  });

  it('has a gateway for every channel in the schema, and a known setting for every variable', () => {
    expect(SERVICES.flatMap((s) => ('channel' in s ? [s.channel.slug] : [])).sort()).toEqual([...CHANNEL_SLUGS].sort());
    for (const service of DEFAULT_CATALOG.services) for (const name of service.env) expect(Object.keys(ENV)).toContain(name);
  });

  it("documents every catalog setting in README.md's configuration table", () => {
    const table = readFileSync(join(root, 'README.md'), 'utf8').split('\n## Configuration\n')[1]!.split('\n## ')[0]!;
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    expect(Object.keys(ENV).filter((name) => !rows.some((row) => row.split(' | ')[0]!.includes(`\`${name}\``)))).toEqual([]);
  });

  it('gives every required secret a development placeholder and a test value', () => {
    for (const [name, spec] of Object.entries(ENV) as Array<[string, EnvSpec]>) {
      if (spec.required && spec.default === undefined) {
        expect({ name, dev: devSecrets()[name] }).toEqual({ name, dev: expect.any(String) });
        expect({ name, test: (testSecrets() as Record<string, string>)[name] }).toEqual({ name, test: expect.any(String) });
      }
    }
  });

  it('keeps npm start reading the catalog for services and placeholders (no list of its own)', () => {
    const start = readFileSync(join(root, 'tools/start.mjs'), 'utf8');
    expect(start).toContain('devSecrets()');
    expect(start).not.toMatch(/META_APP_SECRET|gateway-messenger/);
  });

  it('gives single-node set-ups (npm start, compose) the single-node partition count unless the operator sets one', () => {
    const start = readFileSync(join(root, 'tools/start.mjs'), 'utf8');
    expect(start).toContain('env.KAFKA_TOPIC_PARTITIONS ??= String(SINGLE_NODE_TOPIC_PARTITIONS)');
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
    const normalizer = compose.services['normalizer']!.environment!;
    expect(normalizer['KAFKA_TOPIC_PARTITIONS']).toBe(`\${KAFKA_TOPIC_PARTITIONS:-${SINGLE_NODE_TOPIC_PARTITIONS}}`);
  });
});
