/**
 * `npm run replay -- --service normalizer --from 2026-12-01T10:00:00Z [--to <time>] [--topic <name>]
 * [--replay-id <id>]`: re-publishes the records of a topic between two times for one service to
 * apply again (docs/operations.md). Reads KAFKA_BROKERS and OMNI_TOPIC_PREFIX like the services.
 * The replay id defaults to one derived from the service, topic and times, so running the same
 * command twice applies the records once; pass a new --replay-id to apply them again.
 */
import { createHash } from 'node:crypto';
import { ALL_TOPICS, Topics, type TopicDefinition } from '@omni/contracts';
import { KafkaConnection, replayTopic } from '@omni/messaging';
import { createLogger } from '@omni/observability';
import { SERVICES } from '@omni/service-kit';

/** The topic a service's replay reads when --topic is not given. */
const DEFAULT_TOPIC: Record<string, TopicDefinition> = { normalizer: Topics.inboundRaw };

export interface ReplayArgs {
  service: string;
  topic: TopicDefinition;
  from: Date;
  to: Date;
  replayId: string;
}

export function parseReplayArgs(argv: readonly string[], now = new Date()): ReplayArgs {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const service = value('service');
  if (!service || !SERVICES.some((s) => s.name === service)) throw new Error(`--service must be one of ${SERVICES.map((s) => s.name).join(', ')}`);
  const topicName = value('topic');
  const topic = topicName ? ALL_TOPICS.find((t) => t.name === topicName) : DEFAULT_TOPIC[service];
  if (!topic) throw new Error(topicName ? `unknown topic ${topicName}` : `--topic is required for ${service}`);
  const time = (name: string, fallback?: Date): Date => {
    const text = value(name);
    if (text === undefined && fallback) return fallback;
    const date = new Date(text ?? '');
    if (!text || Number.isNaN(date.getTime())) throw new Error(`--${name} must be an ISO 8601 time, e.g. 2026-12-01T10:00:00Z`);
    return date;
  };
  const from = time('from');
  const to = time('to', now);
  if (from >= to) throw new Error('--from must be before --to');
  const replayId = value('replay-id') ?? `${service}-${createHash('sha256').update(`${service}\n${topic.name}\n${from.toISOString()}\n${to.toISOString()}`).digest('hex').slice(0, 12)}`;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(replayId)) throw new Error('--replay-id: 1-128 of A-Z a-z 0-9 . _ : -');
  return { service, topic, from, to, replayId };
}

async function main(): Promise<void> {
  const args = parseReplayArgs(process.argv.slice(2));
  const logger = createLogger({ service: 'replay', level: process.env.LOG_LEVEL ?? 'warn' });
  const connection = new KafkaConnection(
    { brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), service: 'replay', topicPrefix: process.env.OMNI_TOPIC_PREFIX ?? '' },
    logger,
  );
  try {
    const result = await replayTopic(connection, { service: args.service, topic: args.topic, from: args.from, to: args.to, replayId: args.replayId });
    process.stdout.write(
      `${JSON.stringify({ replayId: result.replayId, service: args.service, topic: args.topic.name, from: args.from.toISOString(), to: args.to.toISOString(), replayed: result.replayed, skippedReplays: result.skipped, partitions: result.partitions })}\n`,
    );
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`replay: ${err.message}\n`);
    process.exit(1);
  });
}
