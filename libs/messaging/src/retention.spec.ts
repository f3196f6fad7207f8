import { ALL_TOPICS, DEFAULT_RETENTION_MS, LOG_RETENTION_MS, Topics } from '@omni/contracts';
import { parseRetentionOverrides, retentionOf } from './index';

const names = ALL_TOPICS.map((t) => t.name);

describe('topic retention', () => {
  it('keeps the raw and normalized log longer than the event topics', () => {
    expect(retentionOf(Topics.inboundRaw, Topics.inboundRaw.name)).toBe(LOG_RETENTION_MS);
    expect(retentionOf(Topics.messageNormalized, Topics.messageNormalized.name)).toBe(LOG_RETENTION_MS);
    expect(retentionOf(Topics.conversationAssigned, Topics.conversationAssigned.name)).toBe(DEFAULT_RETENTION_MS);
    expect(LOG_RETENTION_MS).toBeGreaterThan(DEFAULT_RETENTION_MS);
  });

  it('reads per-topic overrides, the .dlq twin separately', () => {
    const overrides = parseRetentionOverrides(' omni.inbound.raw.v1 = 7776000000, omni.inbound.raw.v1.dlq=-1', names);
    expect(overrides).toEqual({ 'omni.inbound.raw.v1': 7_776_000_000, 'omni.inbound.raw.v1.dlq': -1 });
    expect(retentionOf(Topics.inboundRaw, 'omni.inbound.raw.v1', overrides)).toBe(7_776_000_000);
    expect(retentionOf(Topics.inboundRaw, 'omni.inbound.raw.v1.dlq', overrides)).toBe(-1);
    expect(retentionOf(Topics.messageNormalized, 'omni.message.normalized.v1', overrides)).toBe(LOG_RETENTION_MS);
    expect(parseRetentionOverrides('', names)).toEqual({});
    expect(parseRetentionOverrides(undefined, names)).toEqual({});
  });

  it.each([
    ['omni.inbound.raw.v1', 'is not topic=milliseconds'],
    ['omni.inbound.raw.v1=1d', 'is not topic=milliseconds'],
    ['omni.inbound.raw.v1=-5', 'is not topic=milliseconds'],
    ['omni.inbound.raw.v2=1000', 'is not an Omni topic'],
  ])('refuses %s', (value, message) => {
    expect(() => parseRetentionOverrides(value, names)).toThrow(message);
  });
});
