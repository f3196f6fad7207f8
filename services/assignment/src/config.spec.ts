import { Channel, create, MessageSchema } from '@omni/contracts';
import { catalogDrift, ConfigError, loadConfig, ownSettings } from '@omni/service-kit';
import { AssignmentConfig } from './config';
import { scoreOf } from './domain/csat';
import { parseSkills, weightOf } from './domain/intake';
import { settingsFrom } from './settings';

const load = (env: Record<string, string>) => loadConfig(AssignmentConfig, { PORT: '3204', ...env });

describe('assignment configuration', () => {
  it('has working defaults', () => {
    expect(settingsFrom(load({}))).toMatchObject({ sweepMs: 1000, heartbeatTimeoutMs: 60_000, requeueGraceMs: 120_000, defaultStrategy: 'least-busy', channelWeights: {}, vipWeight: 1, firstResponseMs: 300_000, nextResponseMs: 600_000, slaWarningRatio: 0.8 });
  });

  it('reads integer settings at their bounds, an empty one keeping its default', () => {
    expect(settingsFrom(load({ ASSIGNMENT_SWEEP_MS: '60000', ASSIGNMENT_HEARTBEAT_TIMEOUT_MS: '0', ASSIGNMENT_VIP_WEIGHT: '10', ASSIGNMENT_REQUEUE_GRACE_MS: '' }))).toMatchObject({
      sweepMs: 60_000,
      heartbeatTimeoutMs: 0,
      vipWeight: 10,
      requeueGraceMs: 120_000,
    });
  });

  it('reads weights, strategy and targets', () => {
    const settings = settingsFrom(load({ ASSIGNMENT_CHANNEL_WEIGHTS: 'sms=1,whatsapp=2', ASSIGNMENT_DEFAULT_STRATEGY: 'round-robin', ASSIGNMENT_VIP_WEIGHT: '2', ASSIGNMENT_FIRST_RESPONSE_SECONDS: '60' }));
    expect(settings).toMatchObject({ channelWeights: { sms: 1, whatsapp: 2 }, defaultStrategy: 'round-robin', vipWeight: 2, firstResponseMs: 60_000 });
    expect(weightOf(Channel.WHATSAPP, 0, settings)).toBe(2);
    expect(weightOf(Channel.WHATSAPP, 10, settings)).toBe(4);
    expect(weightOf(Channel.TELEGRAM, 0, settings)).toBe(1);
  });

  it.each([
    ['ASSIGNMENT_CHANNEL_WEIGHTS', 'sms=0'],
    ['ASSIGNMENT_CHANNEL_WEIGHTS', 'sms:2'],
    ['ASSIGNMENT_DEFAULT_STRATEGY', 'random'],
    ['ASSIGNMENT_SWEEP_MS', '10'],
    ['ASSIGNMENT_SWEEP_MS', '60001'],
    ['ASSIGNMENT_SWEEP_MS', 'soon'],
    ['ASSIGNMENT_VIP_WEIGHT', '1.5'],
    ['ASSIGNMENT_HEARTBEAT_TIMEOUT_MS', '-1'],
    ['ASSIGNMENT_SLA_WARNING_RATIO', '1.5'],
    ['NORMALIZER_URL', 'not a url'],
  ])('%s=%s stops the service with a message naming the variable', (variable, value) => {
    expect(() => load({ [variable]: value })).toThrow(ConfigError);
    expect(() => load({ [variable]: value })).toThrow(variable);
  });
});

describe('assignment settings in the service catalog', () => {
  it('lists every setting with the class default, so compose and k8s can set each one', () => {
    expect(ownSettings(AssignmentConfig)).toEqual([
      'ASSIGNMENT_CHANNEL_WEIGHTS',
      'ASSIGNMENT_DEFAULT_STRATEGY',
      'ASSIGNMENT_FIRST_RESPONSE_SECONDS',
      'ASSIGNMENT_HEARTBEAT_TIMEOUT_MS',
      'ASSIGNMENT_NEXT_RESPONSE_SECONDS',
      'ASSIGNMENT_REQUEUE_GRACE_MS',
      'ASSIGNMENT_SLA_WARNING_RATIO',
      'ASSIGNMENT_SWEEP_MS',
      'ASSIGNMENT_VIP_WEIGHT',
      'NORMALIZER_URL',
    ]);
    // Compose and k8s reach the normalizer by its service name; the class default serves `npm start`.
    expect(catalogDrift('assignment', AssignmentConfig, { NORMALIZER_URL: 'http://normalizer:3201' })).toEqual([]);
  });
});

describe('routed fields', () => {
  it('reads skills with levels and ignores malformed ones', () => {
    expect(parseSkills(['billing', 'tech:3', 'bad:9', ''])).toEqual([
      { name: 'billing', level: 1 },
      { name: 'tech', level: 3 },
    ]);
  });
});

describe('CSAT answers', () => {
  const message = (kind: unknown) => create(MessageSchema, { content: { kind } as never });
  it.each([
    [{ case: 'quickReply', value: { payload: 'csat:4', text: '4' } }, 4],
    [{ case: 'postback', value: { payload: 'csat:2', title: 'Bad' } }, 2],
    [{ case: 'text', value: { text: ' 5 ' } }, 5],
    [{ case: 'text', value: { text: '3/5' } }, 3],
    [{ case: 'text', value: { text: 'I have 2 more questions' } }, null],
    [{ case: 'text', value: { text: '6' } }, null],
    [{ case: 'quickReply', value: { payload: 'menu:help', text: 'Help' } }, null],
  ])('%j → %s', (kind, score) => {
    expect(scoreOf(message(kind))).toBe(score);
  });
});
