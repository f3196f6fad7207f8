import { randomUUID } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import type { TopicDefinition } from '@omni/contracts';
import type { KafkaConnection } from './connection';
import { CE_HEADERS, headersToStrings } from './envelope';
import { REPLAY_HEADERS, replayEventId } from './replay-headers';
import { physicalTopic } from './settings';

export interface ReplayOptions {
  /** The service that must apply the replayed records (its consumers alone do). */
  service: string;
  topic: TopicDefinition;
  /** Records with a timestamp at or after this… */
  from: Date;
  /** …and before this (default: when the replay starts). */
  to?: Date;
  /** Names the run: the same id replays the same records once, a new id applies them again. */
  replayId: string;
  /** Most records re-published per produce request (default 200). */
  batchSize?: number;
  /** Give up waiting for the records after this long (default 10 min). */
  timeoutMs?: number;
}

export interface ReplayResult {
  replayId: string;
  /** Records re-published. */
  replayed: number;
  /** Records in the range that were themselves replays (never replayed again). */
  skipped: number;
  partitions: Array<{ partition: number; from: number; to: number }>;
}

/**
 * Re-publishes the records of `topic` between two times, for one service to apply again (a new
 * parser version, state restored from a backup). The copies keep key, value and headers, and get
 * a CloudEvents id derived from the original one and the replay id plus the replay headers, so:
 * the service's inbox takes them as new events (a consumer-group reset would not: the inbox
 * absorbs every record already applied); re-running the same replay id changes nothing; other
 * services consuming the topic skip them. The range is fixed when the replay starts (offsets by
 * timestamp), so the copies it appends are never read back into it.
 */
export async function replayTopic(connection: KafkaConnection, options: ReplayOptions): Promise<ReplayResult> {
  const topic = physicalTopic(connection.settings, options.topic.name);
  const admin = await connection.admin();
  const toMs = (options.to ?? new Date()).getTime();
  const starts = await admin.fetchTopicOffsetsByTimestamp(topic, options.from.getTime());
  const ends = new Map((await admin.fetchTopicOffsetsByTimestamp(topic, toMs)).map((p) => [p.partition, Number(p.offset)]));
  // -1 (no record at or after the time) means "the end of the partition".
  const highs = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  const ranges = starts
    .map((p) => {
      const high = highs.get(p.partition) ?? 0;
      const from = Number(p.offset) < 0 ? high : Number(p.offset);
      const endOffset = ends.get(p.partition) ?? -1;
      return { partition: p.partition, from, to: endOffset < 0 ? high : endOffset };
    })
    .filter((r) => r.from < r.to);
  const result: ReplayResult = { replayId: options.replayId, replayed: 0, skipped: 0, partitions: ranges };
  if (!ranges.length) return result;

  const producer = await connection.producer();
  const consumer = connection.kafka.consumer({ groupId: `omni-replay-${randomUUID()}`, allowAutoTopicCreation: false });
  const pending = new Map(ranges.map((r) => [r.partition, r]));
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const timer = setTimeout(() => fail(new Error(`replay ${options.replayId} did not reach the end of its range in time`)), options.timeoutMs ?? 600_000);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = pending.get(batch.partition);
        if (!range) return;
        const copies: Array<{ key: Buffer | null; value: Buffer | null; headers: IHeaders }> = [];
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset < range.from || offset >= range.to) continue;
          const headers = headersToStrings(message.headers);
          if (headers[REPLAY_HEADERS.id]) {
            result.skipped++;
            continue;
          }
          const originalId = headers[CE_HEADERS.id] ?? `${options.topic.name}:${batch.partition}:${offset}`;
          copies.push({
            key: message.key,
            value: message.value,
            headers: {
              ...headers,
              [CE_HEADERS.id]: replayEventId(originalId, options.replayId),
              [REPLAY_HEADERS.id]: options.replayId,
              [REPLAY_HEADERS.forService]: options.service,
              [REPLAY_HEADERS.from]: `${batch.partition}:${offset}`,
              [REPLAY_HEADERS.originalId]: originalId,
            },
          });
        }
        for (let i = 0; i < copies.length; i += options.batchSize ?? 200) {
          await producer.send({ topic, acks: -1, messages: copies.slice(i, i + (options.batchSize ?? 200)) });
        }
        result.replayed += copies.length;
        const last = Number(batch.lastOffset());
        if (last + 1 >= range.to) {
          pending.delete(batch.partition);
          if (!pending.size) finish();
        }
      },
    });
    for (const range of ranges) consumer.seek({ topic, partition: range.partition, offset: String(range.from) });
    await finished;
    return result;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
