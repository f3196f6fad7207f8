import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  ALL_TOPICS,
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
