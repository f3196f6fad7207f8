import { SINGLE_NODE_TOPIC_PARTITIONS } from '../../../libs/service-kit/src/catalog';
import { parseChannelMix, pipelineSettings } from './lib/settings';

describe('pipeline settings', () => {
  it('defaults to the full ladder, with the target rate held for 60 s', () => {
    const s = pipelineSettings({}, []);
    expect(s.quick).toBe(false);
    expect(s.ladder.map((l) => l.rate)).toEqual([25, 50, 100, 150, 200, 300, 400]);
    expect(s.ladder.find((l) => l.rate === 100)?.seconds).toBe(60);
    expect(s.ladder.find((l) => l.rate === 150)?.seconds).toBe(20);
    expect(s.replyRatio).toBe(0.3);
    expect(s.channelWeights).toEqual({ messenger: 1, whatsapp: 1, twitter: 1, sms: 1 });
    // A fresh broker's JIT needs minutes of traffic: the full run warms it before measuring.
    expect([s.brokerWarmupRate, s.brokerWarmupSeconds]).toEqual([300, 90]);
  });

  it('quick mode is a couple of short low-rate steps', () => {
    for (const s of [pipelineSettings({ BENCH_QUICK: '1' }, []), pipelineSettings({}, ['--quick'])]) {
      expect(s.quick).toBe(true);
      expect(s.ladder.length).toBeLessThanOrEqual(3);
      const seconds = s.ladder.reduce((sum, l) => sum + l.seconds, 0) + s.idleSeconds + s.warmupSeconds + s.brokerWarmupSeconds;
      expect(seconds).toBeLessThan(60);
      expect(Math.max(...s.ladder.map((l) => l.rate))).toBeLessThanOrEqual(50);
    }
  });

  it('reads overrides and the fault switch', () => {
    const s = pipelineSettings({ BENCH_RATES: '10, 20,40', BENCH_STEP_SECONDS: '5', BENCH_TARGET_RATE: '20', BENCH_TARGET_SECONDS: '30', BENCH_REPLY_RATIO: '0' }, ['pipeline-fault']);
    expect(s.fault).toBe(true);
    expect(s.ladder).toEqual([
      { rate: 10, seconds: 5 },
      { rate: 20, seconds: 30 },
      { rate: 40, seconds: 5 },
    ]);
    expect(s.replyRatio).toBe(0);
    expect(pipelineSettings({}, ['--fault']).fault).toBe(true);
    expect(pipelineSettings({ BENCH_BROKER_WARMUP_SECONDS: '0' }, []).brokerWarmupSeconds).toBe(0);
  });

  it("runs the topics with npm start's partition count unless BENCH_PARTITIONS or KAFKA_TOPIC_PARTITIONS says otherwise", () => {
    expect(pipelineSettings({}, []).partitions).toBe(SINGLE_NODE_TOPIC_PARTITIONS);
    expect(pipelineSettings({ KAFKA_TOPIC_PARTITIONS: '4' }, []).partitions).toBe(4);
    expect(pipelineSettings({ BENCH_PARTITIONS: '6', KAFKA_TOPIC_PARTITIONS: '4' }, []).partitions).toBe(6);
  });

  it('refuses nonsense with the variable named', () => {
    expect(() => pipelineSettings({ BENCH_RATES: '10,fast' }, [])).toThrow(/BENCH_RATES/);
    expect(() => pipelineSettings({ BENCH_REPLY_RATIO: '1.5' }, [])).toThrow(/BENCH_REPLY_RATIO/);
    expect(() => parseChannelMix('fax:1')).toThrow(/unknown channel 'fax'/);
    expect(() => parseChannelMix('sms:0')).toThrow(/every weight is 0/);
    expect(parseChannelMix('messenger:3,sms')).toEqual({ messenger: 3, whatsapp: 0, twitter: 0, sms: 1 });
  });
});
