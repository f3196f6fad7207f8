/**
 * Who produces and who consumes each topic, read from the code: `@OnTopic(Topics.x)` handlers,
 * and `outbox.add(Topics.x …)` / `.publish(Topics.x …)` / `buildEnvelope(Topics.x …)` calls in services. Gateways publish
 * through @omni/gateway-kit, so what the kit publishes or consumes counts for every gateway.
 * Handlers generated with `OnTopic(topic)` over `WEBHOOK_TOPICS` (crm-webhooks) consume every
 * webhook topic.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface TopicUsage {
  producers: string[];
  consumers: string[];
}

const SKIP_DIRS = new Set(['node_modules', 'testing', 'gen', 'dist']);
const SOURCE = /\.ts$/;
const TEST = /\.(spec|int-spec|e2e-spec)\.ts$/;
const PRODUCE = /(?:outbox\.add|\.publish|buildEnvelope)\(\s*Topics\.(\w+)/g;
const CONSUME = /@OnTopic\(\s*Topics\.(\w+)/g;
const CONSUME_WEBHOOK_TOPICS = /for \(const topic of WEBHOOK_TOPICS\)[\s\S]*?OnTopic\(topic\)/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP_DIRS.has(name) ? [] : sources(path);
    return SOURCE.test(name) && !TEST.test(name) ? [path] : [];
  });
}

export function topicUsage(root: string, gateways: readonly string[], webhookTopicKeys: readonly string[] = []): Record<string, TopicUsage> {
  const usage: Record<string, { producers: Set<string>; consumers: Set<string> }> = {};
  const add = (topicKey: string, kind: 'producers' | 'consumers', owners: readonly string[]) => {
    const entry = (usage[topicKey] ??= { producers: new Set(), consumers: new Set() });
    for (const owner of owners) entry[kind].add(owner);
  };
  const scan = (dir: string, owners: (file: string) => readonly string[]) => {
    for (const file of sources(dir)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(PRODUCE)) add(m[1]!, 'producers', owners(file));
      for (const m of text.matchAll(CONSUME)) add(m[1]!, 'consumers', owners(file));
      if (CONSUME_WEBHOOK_TOPICS.test(text)) for (const key of webhookTopicKeys) add(key, 'consumers', owners(file));
    }
  };
  scan(join(root, 'services'), (file) => [relative(join(root, 'services'), file).split('/')[0]!]);
  scan(join(root, 'libs/gateway-kit/src'), () => gateways);
  return Object.fromEntries(
    Object.entries(usage).map(([key, u]) => [key, { producers: [...u.producers].sort(), consumers: [...u.consumers].sort() }]),
  );
}
