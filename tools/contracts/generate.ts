/**
 * The contract documents generated from the topic registry and the proto (never written twice):
 * - docs/schemas/<ce_type>.schema.json: JSON Schema of every topic's value in the JSON mapping;
 * - docs/examples/<ce_type>.json: a CloudEvents JSON example of every webhook event;
 * - docs/asyncapi.yaml: AsyncAPI 3 for every Kafka topic (and its .dlq twin) and the webhooks:
 *   keys, headers, schemas, retention, producers and consumers;
 * - docs/asyncapi.html: the same, rendered.
 * `npm run contracts:docs` writes them; tests/deploy/contracts-docs.spec.ts fails when stale.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  ALL_TOPICS,
  dataschemaOf,
  dlqTopicName,
  eventJson,
  jsonSchemaOf,
  ALL_REASONS,
  Topics,
  WEBHOOK_TOPICS,
  type CloudEventJson,
  type CommentLookup,
  type JsonSchema,
  type TopicDefinition,
} from '@omni/contracts';
import { SERVICES } from '../../libs/service-kit/src/catalog';
import { repoRoot, type GeneratedFile } from '../generated-files';
import { SAMPLES } from './samples';
import { topicUsage, type TopicUsage } from './usage';

/** Directories whose every file is generated here (a file no topic produces any more is stale). */
export const GENERATED_DIRS = ['docs/schemas', 'docs/examples'];

/** Leading comments of the proto files, by full name, from `buf build` (the image keeps source info). */
export function protoComments(): CommentLookup {
  const dir = mkdtempSync(join(tmpdir(), 'omni-image-'));
  try {
    const image = join(dir, 'image.json');
    execFileSync(join(repoRoot, 'node_modules/.bin/buf'), ['build', '--exclude-imports', '-o', image], { cwd: repoRoot, stdio: 'pipe' });
    return commentsOf(JSON.parse(readFileSync(image, 'utf8')) as BufImage);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface DescriptorLike {
  name: string;
  field?: Array<{ name: string }>;
  nestedType?: DescriptorLike[];
  enumType?: Array<{ name: string }>;
}
interface BufImage {
  file: Array<{ package: string; messageType?: DescriptorLike[]; enumType?: Array<{ name: string }>; sourceCodeInfo?: { location?: Array<{ path?: number[]; leadingComments?: string }> } }>;
}

function commentsOf(image: BufImage): CommentLookup {
  const comments = new Map<string, string>();
  for (const file of image.file) {
    const byPath = new Map((file.sourceCodeInfo?.location ?? []).filter((l) => l.leadingComments).map((l) => [(l.path ?? []).join('.'), clean(l.leadingComments!)]));
    const visit = (message: DescriptorLike, name: string, path: number[]) => {
      set(name, path);
      message.field?.forEach((f, i) => set(`${name}.${f.name}`, [...path, 2, i]));
      message.nestedType?.forEach((m, i) => visit(m, `${name}.${m.name}`, [...path, 3, i]));
      message.enumType?.forEach((e, i) => set(`${name}.${e.name}`, [...path, 4, i]));
    };
    const set = (name: string, path: number[]) => {
      const text = byPath.get(path.join('.'));
      if (text) comments.set(name, text);
    };
    file.messageType?.forEach((m, i) => visit(m, `${file.package}.${m.name}`, [4, i]));
    file.enumType?.forEach((e, i) => set(`${file.package}.${e.name}`, [5, i]));
  }
  return (name) => comments.get(name);
}

function clean(comment: string): string {
  return comment
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

/** The data schema of a topic's events, standalone (draft 2020-12, nested types under $defs). */
export function topicSchema(topic: TopicDefinition, comments: CommentLookup): JsonSchema {
  return jsonSchemaOf(topic.schema, comments, dataschemaOf(topic.ceType));
}

/** A webhook body for a sample: what a CRM endpoint receives. */
export function sampleCloudEvent(sample: (typeof SAMPLES)[number], sequence: number): CloudEventJson {
  return {
    specversion: '1.0',
    id: sample.id,
    source: sample.source,
    type: sample.topic.ceType,
    subject: sample.key,
    time: sample.time,
    datacontenttype: 'application/json',
    dataschema: dataschemaOf(sample.topic.ceType),
    sequence: String(sequence),
    partitionkey: sample.key,
    data: eventJson(sample.topic, sample.value as never),
  };
}

const KEY_DESCRIPTIONS: Record<TopicDefinition['key'], string> = {
  'channel-thread': '`<channel>:<account id>:<thread>` — one customer thread on one business account',
  'conversation-id': "Omni's conversation id (UUID): every event of a conversation is in order",
  'agent-id': 'The agent id',
  'contact-id': "Omni's contact id (UUID)",
  'outbound-id': 'The outbound request id',
  'subscription-id': 'The webhook subscription id (UUID)',
};

function camel(name: string): string {
  return name.replace(/^omni\./, '').replace(/[.-]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function messageName(topic: TopicDefinition): string {
  return topic.ceType.replace(/^omni\.v1\./, '');
}

/**
 * Moves a standalone schema's $defs into AsyncAPI components (refs in an AsyncAPI document resolve
 * against the document root) and drops the keywords only standalone files need.
 */
function hoist(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewrite(v)]),
      );
    }
    return value;
  };
  const { $defs, $schema: _schema, $id: _id, ...rest } = schema as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [name, def] of Object.entries($defs ?? {})) components[name] = rewrite(def) as JsonSchema;
  return rewrite(rest) as JsonSchema;
}

export function asyncApiDocument(comments: CommentLookup, usage: Record<string, TopicUsage>, version: string): Record<string, unknown> {
  const topicKeyOf = new Map(Object.entries(usageKeys()).map(([key, topic]) => [topic, key]));
  const schemas: Record<string, JsonSchema> = {};
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  schemas.KafkaHeaders = {
    type: 'object',
    description: 'CloudEvents binary-mode headers on every record, plus W3C trace context.',
    properties: {
      ce_specversion: { type: 'string', const: '1.0' },
      ce_id: { type: 'string', description: 'Event id: the deduplication id (inbox tables, webhook-id).' },
      ce_type: { type: 'string', description: 'The protobuf full name of the value, e.g. omni.v1.ConversationAssigned: decode by it.' },
      ce_source: { type: 'string', description: 'omni/<service> that produced the record.' },
      ce_time: { type: 'string', format: 'date-time' },
      'content-type': { type: 'string', const: 'application/protobuf' },
      traceparent: { type: 'string', description: 'W3C trace context: the trace continues across services.' },
    },
    required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'content-type'],
  };
  schemas.DlqHeaders = {
    type: 'object',
    description: 'The original record’s headers plus why it was dead-lettered.',
    allOf: [{ $ref: '#/components/schemas/KafkaHeaders' }],
    properties: Object.fromEntries(
      ['omni_error_message', 'omni_error_type', 'omni_error_attempts', 'omni_original_topic', 'omni_original_partition', 'omni_original_offset', 'omni_consumer_group', 'omni_failed_at'].map((h) => [h, { type: 'string' }]),
    ),
  };
  schemas.WebhookHeaders = {
    type: 'object',
    description: 'Standard Webhooks signature headers (https://www.standardwebhooks.com).',
    properties: {
      'webhook-id': { type: 'string', description: 'The event id; the same on retries and replays.' },
      'webhook-timestamp': { type: 'string', pattern: '^[0-9]+$', description: 'Unix seconds of this attempt.' },
      'webhook-signature': { type: 'string', description: 'Space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.' },
      'content-type': { type: 'string', const: 'application/cloudevents+json' },
    },
    required: ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type'],
  };

  for (const topic of ALL_TOPICS) {
    const name = messageName(topic);
    const key = topicKeyOf.get(topic.name) ?? camel(topic.name);
    const users = usage[key] ?? { producers: [], consumers: [] };
    schemas[topic.ceType] = hoist(topicSchema(topic, comments), schemas);
    messages[name] = {
      name,
      title: topic.ceType,
      summary: topic.description,
      contentType: 'application/protobuf',
      description: `Protobuf \`${topic.ceType}\` (proto/omni/v1). The payload schema is its proto3 JSON mapping (what webhooks and tooling show); on Kafka the value is the binary encoding.`,
      headers: { $ref: '#/components/schemas/KafkaHeaders' },
      payload: { $ref: `#/components/schemas/${topic.ceType}` },
      bindings: { kafka: { key: { type: 'string', description: KEY_DESCRIPTIONS[topic.key] }, bindingVersion: '0.5.0' } },
    };
    const topicBinding = (topicName: string) => ({
      kafka: {
        topic: topicName,
        partitions: topic.partitions,
        replicas: 3,
        topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': topic.retentionMs },
        bindingVersion: '0.5.0',
      },
    });
    channels[key] = {
      address: topic.name,
      title: topic.name,
      description: `${topic.description}. Key: ${KEY_DESCRIPTIONS[topic.key]}. Retention ${Math.round(topic.retentionMs / 86_400_000)} days (KAFKA_TOPIC_RETENTION_MS). Producers: ${users.producers.join(', ') || 'clients of the APIs (none in Omni)'}. Consumers: ${users.consumers.join(', ') || 'none in Omni (for integrations)'}.`,
      servers: [{ $ref: '#/servers/kafka' }],
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
      bindings: topicBinding(topic.name),
    };
    channels[`${key}Dlq`] = {
      address: dlqTopicName(topic.name),
      title: dlqTopicName(topic.name),
      description: `Dead letters of ${topic.name}: records a consumer could not handle after its retries, unchanged, with omni_error_* headers. Note: a regex subscription such as omni\\.conversation\\..* matches these too; anchor it on \\.v[0-9]+$.`,
      servers: [{ $ref: '#/servers/kafka' }],
      messages: { [`${name}DeadLetter`]: { $ref: `#/components/messages/${name}DeadLetter` } },
      bindings: topicBinding(dlqTopicName(topic.name)),
    };
    messages[`${name}DeadLetter`] = { ...(messages[name] as object), name: `${name}DeadLetter`, headers: { $ref: '#/components/schemas/DlqHeaders' } };
    for (const producer of users.producers) {
      operations[`${camel(producer)}Sends${name}`] = {
        action: 'send',
        channel: { $ref: `#/channels/${key}` },
        title: `${producer} publishes ${topic.name}`,
        tags: [{ name: producer }],
        messages: [{ $ref: `#/channels/${key}/messages/${name}` }],
      };
    }
    for (const consumer of users.consumers) {
      operations[`${camel(consumer)}Receives${name}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${key}` },
        title: `${consumer} consumes ${topic.name}`,
        tags: [{ name: consumer }],
        messages: [{ $ref: `#/channels/${key}/messages/${name}` }],
      };
    }
  }

  const webhookMessages: Record<string, unknown> = {};
  for (const topic of WEBHOOK_TOPICS) {
    const name = `${messageName(topic)}Webhook`;
    const sample = SAMPLES.find((s) => s.topic === topic);
    messages[name] = {
      name,
      title: `${topic.ceType} (webhook)`,
      summary: `${topic.description}, as a signed CloudEvents JSON webhook`,
      contentType: 'application/cloudevents+json',
      headers: { $ref: '#/components/schemas/WebhookHeaders' },
      payload: {
        type: 'object',
        description: 'CloudEvents 1.0 structured JSON. `sequence` is the replay cursor; `partitionkey` the ordering key.',
        properties: {
          specversion: { type: 'string', const: '1.0' },
          id: { type: 'string' },
          source: { type: 'string' },
          type: { type: 'string', const: topic.ceType },
          subject: { type: 'string', description: KEY_DESCRIPTIONS[topic.key] },
          time: { type: 'string', format: 'date-time' },
          datacontenttype: { type: 'string', const: 'application/json' },
          dataschema: { type: 'string', const: dataschemaOf(topic.ceType) },
          sequence: { type: 'string', pattern: '^[0-9]+$' },
          partitionkey: { type: 'string' },
          data: { $ref: `#/components/schemas/${topic.ceType}` },
        },
        required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'sequence', 'partitionkey', 'data'],
      },
      ...(sample ? { examples: [{ name: 'example', payload: sampleCloudEvent(sample, 1042) }] } : {}),
    };
    webhookMessages[name] = { $ref: `#/components/messages/${name}` };
  }
  channels.crmWebhook = {
    address: '{subscriptionUrl}',
    title: 'CRM webhook endpoint',
    description:
      'The URL of a subscription (POST /subscriptions on crm-webhooks, `crm` scope). Omni POSTs each event the subscription asked for, signed per Standard Webhooks, in order per conversation, retrying with exponential backoff and jitter for 24 h; see docs/crm-integration.md.',
    servers: [{ $ref: '#/servers/crmEndpoint' }],
    parameters: { subscriptionUrl: { description: 'The subscription’s URL.' } },
    messages: webhookMessages,
  };
  operations.crmWebhooksDeliversEvents = {
    action: 'send',
    channel: { $ref: '#/channels/crmWebhook' },
    title: 'crm-webhooks POSTs subscribed events to CRM endpoints',
    tags: [{ name: 'crm-webhooks' }],
    messages: Object.keys(webhookMessages).map((name) => ({ $ref: `#/channels/crmWebhook/messages/${name}` })),
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Omni events',
      version,
      description:
        'Every Kafka topic of Omni (generated from the topic registry, libs/contracts/src/topics.ts, and the proto) and the CRM event webhooks. Keys give the ordering; values are protobuf with CloudEvents headers; each topic has a .dlq twin.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/protobuf',
    servers: {
      kafka: { host: 'kafka:9092', protocol: 'kafka', description: 'The Omni Kafka cluster (topic names may carry a deployment prefix, OMNI_TOPIC_PREFIX).' },
      crmEndpoint: { host: 'crm.example.com', protocol: 'https', description: 'A CRM’s webhook receiver (the subscription URL).' },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}

/** Registry key (what the code names: `Topics.conversationAssigned`) → topic name; usage is scanned by key. */
function usageKeys(): Record<string, string> {
  return Object.fromEntries(Object.entries(Topics).map(([key, t]) => [key, (t as TopicDefinition).name]));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A static, dependency-free HTML rendering of the document (channels, operations, messages, schemas). */
export function asyncApiHtml(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; version: string; description: string };
  const channels = doc.channels as Record<string, { address: string; description: string; messages: Record<string, { $ref: string }> }>;
  const operations = doc.operations as Record<string, { action: string; title: string; channel: { $ref: string } }>;
  const components = doc.components as { messages: Record<string, { title: string; summary?: string; contentType: string; payload: unknown; examples?: Array<{ payload: unknown }> }>; schemas: Record<string, unknown> };
  const rows = Object.entries(channels)
    .map(([key, c]) => {
      const ops = Object.values(operations).filter((o) => o.channel.$ref === `#/channels/${key}`);
      const producers = ops.filter((o) => o.action === 'send').map((o) => escapeHtml(o.title.split(' ')[0]!));
      const consumers = ops.filter((o) => o.action === 'receive').map((o) => escapeHtml(o.title.split(' ')[0]!));
      const msgs = Object.values(c.messages).map((m) => `<a href="#msg-${escapeHtml(m.$ref.split('/').pop()!)}">${escapeHtml(m.$ref.split('/').pop()!)}</a>`);
      return `<tr id="ch-${escapeHtml(key)}"><td><code>${escapeHtml(c.address)}</code></td><td>${msgs.join('<br>')}</td><td>${producers.join(', ')}</td><td>${consumers.join(', ')}</td><td>${escapeHtml(c.description)}</td></tr>`;
    })
    .join('\n');
  const messageSections = Object.entries(components.messages)
    .filter(([name]) => !name.endsWith('DeadLetter'))
    .map(([name, m]) => {
      const example = m.examples?.[0] ? `<h4>Example</h4><pre>${escapeHtml(JSON.stringify(m.examples[0].payload, null, 2))}</pre>` : '';
      return `<section id="msg-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><p>${escapeHtml(m.summary ?? '')} — <code>${escapeHtml(m.contentType)}</code></p><details><summary>Payload schema</summary><pre>${escapeHtml(JSON.stringify(m.payload, null, 2))}</pre></details>${example}</section>`;
    })
    .join('\n');
  const schemaSections = Object.entries(components.schemas)
    .map(([name, s]) => `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(s, null, 2))}</pre></section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(info.title)} ${escapeHtml(info.version)} — AsyncAPI</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#1d2330}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border:1px solid #d0d5dd;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f2f4f7}pre{background:#f6f8fa;padding:.75rem;overflow:auto;font-size:.8rem}code{font-size:.85rem}
</style>
</head>
<body>
<!-- Generated by npm run contracts:docs from docs/asyncapi.yaml's sources: edit the registry or the proto, not this file. -->
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>${escapeHtml(info.description)}</p>
<p>AsyncAPI 3.0.0 source: <a href="asyncapi.yaml">asyncapi.yaml</a>. JSON Schemas: <code>docs/schemas/</code>. Webhook examples: <code>docs/examples/</code>.</p>
<h2>Channels</h2>
<table><thead><tr><th>Address</th><th>Messages</th><th>Producers</th><th>Consumers</th><th>Description</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Messages</h2>
${messageSections}
<h2>Schemas</h2>
${schemaSections}
</body>
</html>
`;
}

export function generateContractDocs(): GeneratedFile[] {
  const comments = protoComments();
  const gateways = SERVICES.filter((s) => s.kind === 'gateway').map((s) => s.name);
  const keyOf = new Map(Object.entries(usageKeys()).map(([key, name]) => [name, key]));
  const usage = topicUsage(repoRoot, gateways, WEBHOOK_TOPICS.map((t) => keyOf.get(t.name)!));
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const files: GeneratedFile[] = [];
  for (const topic of ALL_TOPICS) files.push({ path: `docs/schemas/${topic.ceType}.schema.json`, content: `${JSON.stringify(topicSchema(topic, comments), null, 2)}\n` });
  for (const [i, sample] of SAMPLES.entries()) files.push({ path: `docs/examples/${sample.topic.ceType}.json`, content: `${JSON.stringify(sampleCloudEvent(sample, 1040 + i), null, 2)}\n` });
  const doc = asyncApiDocument(comments, usage, version);
  files.push({ path: 'docs/asyncapi.yaml', content: `# Generated by \`npm run contracts:docs\` from the topic registry and the proto: do not edit.\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}` });
  files.push({ path: 'docs/asyncapi.html', content: asyncApiHtml(doc) });
  files.push({ path: 'docs/crm-integration.md', content: crmIntegrationDoc(readFileSync(join(repoRoot, 'docs/crm-integration.md'), 'utf8')) });
  files.push({ path: 'README.md', content: readmeTopics(readFileSync(join(repoRoot, 'README.md'), 'utf8'), usage, gateways) });
  return files;
}

const SHORT_KEYS: Record<TopicDefinition['key'], string> = {
  'channel-thread': 'channel:account:thread',
  'conversation-id': 'conversation id',
  'agent-id': 'agent id',
  'contact-id': 'contact id',
  'outbound-id': 'outbound id',
  'subscription-id': 'subscription id',
};

/**
 * The README's topic table, from the registry and from who really produces and consumes each topic
 * in the code (the table once named consumers that did not exist). Every gateway together reads
 * as "gateways"; topics nobody inside Omni consumes say who they are for.
 */
export function readmeTopics(current: string, usage: Record<string, TopicUsage>, gateways: readonly string[]): string {
  const keyOf = new Map(Object.entries(usageKeys()).map(([key, name]) => [name, key]));
  const names = (list: readonly string[]) => {
    const all = gateways.every((g) => list.includes(g));
    const rest = list.filter((s) => !all || !gateways.includes(s));
    return [...(all ? ['gateways'] : []), ...rest].join(', ');
  };
  const rows = ALL_TOPICS.map((topic) => {
    const used = usage[keyOf.get(topic.name)!] ?? { producers: [], consumers: [] };
    const external = WEBHOOK_TOPICS.includes(topic) ? 'CRMs (Kafka or webhooks)' : 'external consumers';
    const consumers = used.consumers.length ? `${names(used.consumers)}${WEBHOOK_TOPICS.includes(topic) ? '; CRMs' : ''}` : external;
    return `| \`${topic.name}\` | ${SHORT_KEYS[topic.key]} | \`${topic.schema.typeName.replace(/^omni\.v1\./, '')}\` | ${names(used.producers) || '—'} → ${consumers} |`;
  });
  const table = ['Generated by `npm run contracts:docs` from the topic registry and the code (`@OnTopic` handlers, outbox and publisher calls).', '', '| Topic | Key | Value (`omni.v1.*`) | Producers → consumers |', '| --- | --- | --- | --- |', ...rows].join('\n');
  return replaceBetween(current, 'topics', table, 'README.md');
}

/** Fills the generated sections of docs/crm-integration.md (the reason registry, the examples). */
export function crmIntegrationDoc(current: string): string {
  const reasons = [
    '| Rule | Emitted by | Meaning |',
    '| --- | --- | --- |',
    ...ALL_REASONS.map((r) => `| \`${r.rule}${r.rule.endsWith(':') ? '<value>' : ''}\` | ${r.emittedBy.join(', ')} | ${r.meaning.replace(/\|/g, '\\|')} |`),
  ].join('\n');
  const examples = SAMPLES.map(
    (sample, i) =>
      `### ${sample.topic.ceType}\n\n${sample.topic.description} (topic \`${sample.topic.name}\`, key: ${KEY_DESCRIPTIONS[sample.topic.key]}).\n\n\`\`\`json\n${JSON.stringify(sampleCloudEvent(sample, 1040 + i), null, 2)}\n\`\`\``,
  ).join('\n\n');
  return replaceBetween(replaceBetween(current, 'reasons', `Generated from libs/contracts/src/reasons.ts by \`npm run contracts:docs\`.\n\n${reasons}`), 'examples', `Generated by \`npm run contracts:docs\` (the same as docs/examples): webhook bodies; on Kafka, \`data\` is the protobuf value and the other attributes are \`ce_*\` headers.\n\n${examples}`);
}

function replaceBetween(text: string, marker: string, body: string, file = 'docs/crm-integration.md'): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}
