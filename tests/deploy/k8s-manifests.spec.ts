import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ALL_TOPICS, Topics } from '@omni/contracts';
import { RAW_TOPIC_MAX_MESSAGE_BYTES } from '@omni/messaging';
import { SERVICES } from '@omni/service-kit';
import { validateManifest, type Manifest } from './k8s-validate';

const root = join(__dirname, '../..');
const k8s = join(root, 'deploy/k8s');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'patches' || name === 'schemas' ? [] : yamlFiles(path);
    return name.endsWith('.yaml') && name !== 'kustomization.yaml' ? [path] : [];
  });
}

function docs(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => !!d);
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) process.stderr.write('k8s-manifests spec: kubectl not installed, rendering the overlays (kubectl kustomize) is SKIPPED; raw files are still validated\n');
const withKubectl = kubectl ? it : it.skip;

function render(overlay: string): Manifest[] {
  const out = spawnSync('kubectl', ['kustomize', join(k8s, 'overlays', overlay)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`kubectl kustomize ${overlay}: ${out.stderr}`);
  return docs(out.stdout);
}

describe('Kubernetes manifests validate against the Kubernetes and CRD schemas (no cluster)', () => {
  it('refuses broken manifests (the validation is not vacuous)', () => {
    expect(validateManifest({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 'http' }] }] } } } })).not.toEqual([]);
    expect(validateManifest({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: 't' }, spec: { partitions: 3, replica: 3 } })).not.toEqual([]);
    expect(validateManifest({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's' }, spec: { triggers: [] } })).not.toEqual([]);
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual(['Widget w: no schema for example.com/v1/Widget']);
  });

  it('every raw manifest file is valid', () => {
    const files = yamlFiles(k8s);
    expect(files.length).toBeGreaterThan(10);
    const problems = files.flatMap((file) => docs(readFileSync(file, 'utf8')).flatMap((doc) => validateManifest(doc).map((p) => `${relative(root, file)}: ${p}`)));
    expect(problems).toEqual([]);
  });

  withKubectl('both rendered overlays are valid', () => {
    for (const overlay of ['dev', 'prod']) {
      const rendered = render(overlay);
      expect(rendered.length).toBeGreaterThan(20);
      expect({ overlay, problems: rendered.flatMap(validateManifest) }).toEqual({ overlay, problems: [] });
    }
  });

  withKubectl('every Deployment has probes, resources, a PodDisruptionBudget, secrets by reference only', () => {
    for (const overlay of ['dev', 'prod']) {
      const rendered = render(overlay);
      const deployments = rendered.filter((d) => d.kind === 'Deployment');
      expect(deployments.map((d) => d.metadata!.name).sort()).toEqual(SERVICES.map((s) => s.name).sort());
      const pdbs = rendered.filter((d) => d.kind === 'PodDisruptionBudget').map((d) => d.metadata!.name);
      for (const deployment of deployments) {
        const container = (deployment.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0]!;
        expect({ name: deployment.metadata!.name, probes: ['startupProbe', 'livenessProbe', 'readinessProbe'].filter((p) => container[p]), resources: !!container.resources })
          .toEqual({ name: deployment.metadata!.name, probes: ['startupProbe', 'livenessProbe', 'readinessProbe'], resources: true });
        expect(pdbs).toContain(deployment.metadata!.name);
        // Secret values never inline: every secret-ish env var comes from a secretKeyRef.
        for (const env of (container.env as Array<{ name: string; value?: string }>) ?? []) {
          if (/SECRET|TOKEN|PASSWORD|AUTH|SID|DATABASE_URL/.test(env.name)) expect({ env: env.name, inline: env.value }).toEqual({ env: env.name, inline: undefined });
        }
      }
    }
    // Production holds no Secret object at all: the platform provides them.
    expect(render('prod').filter((d) => d.kind === 'Secret')).toEqual([]);
  });

  withKubectl('dev: the Twilio account SID placeholder is well-formed (AC + 32 hex), so gateway-sms starts', () => {
    const secret = render('dev').find((d) => d.kind === 'Secret' && d.metadata!.name!.startsWith('omni-twilio'))!;
    const sid = Buffer.from((secret.data as Record<string, string>).TWILIO_ACCOUNT_SID!, 'base64').toString();
    expect(sid).toMatch(/^AC[0-9a-f]{32}$/);
  });

  withKubectl('network policies: only gateways are open to all; Kafka and PostgreSQL only to Omni', () => {
    const rendered = render('prod');
    const policies = Object.fromEntries(rendered.filter((d) => d.kind === 'NetworkPolicy').map((d) => [d.metadata!.name, d.spec as Record<string, unknown>]));
    expect(Object.keys(policies).sort()).toEqual(['omni-core-internal', 'omni-default-deny-ingress', 'omni-gateways-public', 'postgres-only-from-omni']);
    expect((policies['omni-gateways-public'] as { ingress: Array<{ from?: unknown }> }).ingress.every((rule) => rule.from === undefined)).toBe(true);
    expect((policies['omni-core-internal'] as { ingress: Array<{ from: unknown[] }> }).ingress[0]!.from.length).toBeGreaterThan(0);
    const kafka = rendered.find((d) => d.kind === 'Kafka')!;
    const listeners = (kafka.spec as { kafka: { listeners: Array<{ networkPolicyPeers?: Array<{ podSelector: { matchLabels: Record<string, string> } }> }> } }).kafka.listeners;
    for (const listener of listeners) expect(listener.networkPolicyPeers).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'omni' } } }]);
  });

  withKubectl('KEDA scales normalizer, router, window-policy and assignment on their consumer group lag', () => {
    const scaled = render('prod').filter((d) => d.kind === 'ScaledObject');
    expect(scaled.map((d) => d.metadata!.name).sort()).toEqual(['assignment', 'normalizer', 'router', 'window-policy']);
    for (const so of scaled) {
      const spec = so.spec as { scaleTargetRef: { name: string }; maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string> }> };
      expect(spec.scaleTargetRef.name).toBe(so.metadata!.name);
      expect(spec.triggers).toEqual([expect.objectContaining({ type: 'kafka', metadata: expect.objectContaining({ consumerGroup: `omni-${so.metadata!.name}`, lagThreshold: expect.stringMatching(/^\d+$/) }) })]);
      expect(spec.maxReplicaCount).toBeLessThanOrEqual(6); // the registry's partitions
    }
  });

  withKubectl('Strimzi: replication 3 and min.insync.replicas 2, a KafkaTopic per registry topic and DLQ', () => {
    const rendered = render('prod');
    const kafka = rendered.find((d) => d.kind === 'Kafka')!;
    expect((kafka.spec as { kafka: { config: Record<string, unknown> } }).kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2 });
    expect((rendered.find((d) => d.kind === 'KafkaNodePool')!.spec as { replicas: number }).replicas).toBe(3);
    const topics = rendered.filter((d) => d.kind === 'KafkaTopic').map((d) => d.spec as { topicName: string; replicas: number; partitions: number; config: Record<string, string> });
    expect(topics.map((t) => t.topicName).sort()).toEqual(ALL_TOPICS.flatMap((t) => [t.name, `${t.name}.dlq`]).sort());
    for (const topic of topics) {
      const registry = ALL_TOPICS.find((t) => topic.topicName.startsWith(t.name))!;
      // The raw webhook topic (and its DLQ) declares the record size the gateways' body limit relies on.
      const raw = registry.name === Topics.inboundRaw.name ? { 'max.message.bytes': String(RAW_TOPIC_MAX_MESSAGE_BYTES) } : {};
      expect(topic).toEqual({ topicName: topic.topicName, partitions: registry.partitions, replicas: 3, config: { 'min.insync.replicas': '2', 'retention.ms': String(registry.retentionMs), 'cleanup.policy': 'delete', ...raw } });
    }
  });
});
