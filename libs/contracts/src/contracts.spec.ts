import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  ALL_REASONS,
  ALL_TOPICS,
  isDlqTopic,
  isRegisteredReason,
  Reasons,
  Channel,
  channelFromSlug,
  channelSlug,
  create,
  dlqTopicName,
  fromBinary,
  MessageSchema,
  timestampFromMs,
  timestampMs,
  toBinary,
  Topics,
} from './index';

const root = join(__dirname, '../../..');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('generated code', () => {
  it('is up to date with proto/ (run `npm run proto:gen` when this fails)', () => {
    const out = mkdtempSync(join(tmpdir(), 'omni-gen-'));
    try {
      execFileSync('node', [join(root, 'tools/proto-gen.mjs'), '--out', out], { cwd: root, stdio: 'pipe' });
      const committedDir = join(__dirname, 'gen');
      const fresh = listFiles(out).map((f) => relative(out, f)).sort();
      const committed = listFiles(committedDir).map((f) => relative(committedDir, f)).sort();
      expect(committed).toEqual(fresh);
      for (const file of fresh) {
        expect({ file, text: readFileSync(join(committedDir, file), 'utf8') }).toEqual({
          file,
          text: readFileSync(join(out, file), 'utf8'),
        });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('topic registry', () => {
  it('names every core topic by the omni.<entity>.<event>.v<N> convention, once', () => {
    const names = ALL_TOPICS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^omni\.[a-z]+\.[a-z]+\.v\d+$/);
    for (const core of [
      'omni.inbound.raw.v1', 'omni.message.normalized.v1', 'omni.message.status.v1',
      'omni.conversation.routed.v1', 'omni.conversation.queued.v1', 'omni.conversation.assigned.v1',
      'omni.conversation.resolved.v1', 'omni.outbound.requested.v1', 'omni.outbound.approved.v1',
      'omni.outbound.rejected.v1', 'omni.agent.presence.v1', 'omni.window.expiring.v1',
    ]) {
      expect(names).toContain(core);
    }
  });

  it('gives every topic a DLQ twin and a CloudEvents type from its schema', () => {
    expect(dlqTopicName(Topics.inboundRaw.name)).toBe('omni.inbound.raw.v1.dlq');
    expect(Topics.conversationAssigned.ceType).toBe('omni.v1.ConversationAssigned');
  });
});

describe('canonical message', () => {
  it('round-trips through protobuf binary with a oneof content and timestamps', () => {
    const msg = create(MessageSchema, {
      id: 'm-1',
      conversationId: 'c-1',
      channel: Channel.MESSENGER,
      providerMessageId: 'm_AbCdEf123',
      providerTimestamp: timestampFromMs(1717171717512),
      content: { kind: { case: 'text', value: { text: 'Is the blue jacket in stock?', urls: [] } } },
      entryPoint: { ref: 'summer-sale', attributes: { source: 'SHORTLINK' } },
    });
    const back = fromBinary(MessageSchema, toBinary(MessageSchema, msg));
    expect(back.content?.kind).toEqual({ case: 'text', value: expect.objectContaining({ text: 'Is the blue jacket in stock?' }) });
    expect(timestampMs(back.providerTimestamp)).toBe(1717171717512);
    expect(back.entryPoint?.attributes).toEqual({ source: 'SHORTLINK' });
  });

  it('maps channel slugs both ways and refuses unknown ones', () => {
    expect(channelFromSlug('whatsapp')).toBe(Channel.WHATSAPP);
    expect(channelSlug(Channel.SMS)).toBe('sms');
    expect(() => channelFromSlug('fax')).toThrow(/unknown channel/);
  });
});

describe('reason registry', () => {
  it('has unique kebab-case names (prefixes end with ":"), each with emitters and a meaning', () => {
    const rules = ALL_REASONS.map((r) => r.rule);
    expect(new Set(rules).size).toBe(rules.length);
    for (const reason of ALL_REASONS) {
      expect(reason.rule).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*:?$/);
      expect(reason.emittedBy.length).toBeGreaterThan(0);
      expect(reason.meaning.length).toBeGreaterThan(10);
    }
  });

  it('recognises registered names and nothing else (no service-specific prefixes like "routing:")', () => {
    expect(isRegisteredReason(Reasons.defaultQueue.rule)).toBe(true);
    expect(isRegisteredReason('routing:default-queue')).toBe(false);
    expect(isRegisteredReason('default-queue-2')).toBe(false);
  });
});

describe('dead-letter topics', () => {
  it('are the topic name plus .dlq, told apart by isDlqTopic (a regex on omni.conversation.* would match them)', () => {
    const dlq = dlqTopicName(Topics.conversationAssigned.name);
    expect(dlq).toBe('omni.conversation.assigned.v1.dlq');
    expect(isDlqTopic(dlq)).toBe(true);
    expect(isDlqTopic(Topics.conversationAssigned.name)).toBe(false);
    expect(/^omni\.conversation\..*/.test(dlq)).toBe(true);
    expect(/^omni\.conversation\.[a-z]+\.v[0-9]+$/.test(dlq)).toBe(false);
  });
});
