import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { BaseServiceConfig, ConfigError, loadConfig, numberSetting } from './config';
import { SERVICES } from './catalog';
import { catalogDrift, ownSettings } from './catalog-check';

class GatewayLikeConfig extends BaseServiceConfig {
  @IsString() @IsNotEmpty() META_APP_SECRET!: string;
}

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig(GatewayLikeConfig, { META_APP_SECRET: 's', PORT: '3102' });
    expect(config).toMatchObject({ PORT: 3102, KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/omni', LOG_LEVEL: 'info', OMNI_TOPIC_PREFIX: '' });
  });

  it.each([
    ['a missing secret', { PORT: '1' }, 'META_APP_SECRET'],
    ['a port out of range', { META_APP_SECRET: 's', PORT: '70000' }, 'PORT'],
    ['a port that is not a number', { META_APP_SECRET: 's', PORT: 'http' }, 'PORT'],
    ['brokers without ports', { META_APP_SECRET: 's', PORT: '1', KAFKA_BROKERS: 'kafka' }, 'KAFKA_BROKERS'],
    ['a non-postgres database URL', { META_APP_SECRET: 's', PORT: '1', DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    ['an unknown log level', { META_APP_SECRET: 's', PORT: '1', LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('refuses %s, naming the variable', (_case, env, variable) => {
    let error: unknown;
    try {
      loadConfig(GatewayLikeConfig, env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toContain(variable);
    expect((error as Error).message).toContain(variable);
  });

  it('reads numeric settings through numberSetting: a number, unset when empty, NaN refused by the validators', () => {
    expect([numberSetting({ value: '42' }), numberSetting({ value: '' }), numberSetting({ value: undefined })]).toEqual([42, undefined, undefined]);
    expect(Number.isNaN(numberSetting({ value: 'soon' }))).toBe(true);
    expect(loadConfig(GatewayLikeConfig, { META_APP_SECRET: 's', PORT: '1', KAFKA_PARTITIONS_CONCURRENTLY: '64' }).KAFKA_PARTITIONS_CONCURRENTLY).toBe(64);
    expect(() => loadConfig(GatewayLikeConfig, { META_APP_SECRET: 's', PORT: '1', KAFKA_PARTITIONS_CONCURRENTLY: 'soon' })).toThrow('KAFKA_PARTITIONS_CONCURRENTLY');
    expect(loadConfig(GatewayLikeConfig, { META_APP_SECRET: 's', PORT: '1', KAFKA_FETCH_LINGER_MS: '0' }).KAFKA_FETCH_LINGER_MS).toBe(0);
    expect(() => loadConfig(GatewayLikeConfig, { META_APP_SECRET: 's', PORT: '1', KAFKA_FETCH_LINGER_MS: '5000' })).toThrow('KAFKA_FETCH_LINGER_MS');
  });

  it('treats empty values as unset so defaults still apply', () => {
    expect(loadConfig(GatewayLikeConfig, { META_APP_SECRET: 's', PORT: '1', KAFKA_BROKERS: '' }).KAFKA_BROKERS).toBe('127.0.0.1:9092');
  });
});

describe('service catalog', () => {
  it('has the ten services on their design ports with unique schemas', () => {
    expect(SERVICES.map((s) => [s.name, s.port])).toEqual([
      ['gateway-twitter', 3101], ['gateway-messenger', 3102], ['gateway-whatsapp', 3103], ['gateway-sms', 3104], ['gateway-telegram', 3105],
      ['normalizer', 3201], ['router', 3202], ['window-policy', 3203], ['assignment', 3204], ['crm-webhooks', 3205],
    ]);
    const schemas = SERVICES.map((s) => s.schema);
    expect(new Set(schemas).size).toBe(schemas.length);
  });
});

describe('catalogDrift', () => {
  // The router's entry lists ROUTER_DOCUMENT_FILE, ROUTER_DEFAULT_QUEUE (default) and ROUTER_VIP_TIERS (vip).
  class RouterLike extends BaseServiceConfig {
    @IsString() ROUTER_DEFAULT_QUEUE = 'default';
    @IsOptional() @IsString() ROUTER_DOCUMENT_FILE?: string;
    @IsString() ROUTER_VIP_TIERS = 'vip';
  }

  it("lists a config class's own settings, not BaseServiceConfig's", () => {
    expect(ownSettings(RouterLike)).toEqual(['ROUTER_DEFAULT_QUEUE', 'ROUTER_DOCUMENT_FILE', 'ROUTER_VIP_TIERS']);
  });

  it('finds nothing when the catalog lists every setting with the class default', () => {
    expect(catalogDrift('router', RouterLike)).toEqual([]);
  });

  it('names a setting missing from the catalog, one the class does not read, and a different default', () => {
    class Drifted extends BaseServiceConfig {
      @IsString() ROUTER_DEFAULT_QUEUE = 'support';
      @IsOptional() @IsString() ROUTER_DOCUMENT_FILE?: string;
      @Transform(numberSetting) @IsInt() ROUTER_EXTRA_MS = 5;
    }
    expect(catalogDrift('router', Drifted)).toEqual([
      "ROUTER_EXTRA_MS: read by the config class, not in the catalog's router env",
      "ROUTER_VIP_TIERS: in the catalog's router env, not read by the config class",
      'ROUTER_DEFAULT_QUEUE: catalog default "default", expected "support"',
    ]);
  });

  it('accepts a deliberately different catalog default, and only that one', () => {
    class Cluster extends RouterLike {
      override ROUTER_DEFAULT_QUEUE = 'local';
    }
    expect(catalogDrift('router', Cluster, { ROUTER_DEFAULT_QUEUE: 'default' })).toEqual([]);
    expect(catalogDrift('router', RouterLike, { ROUTER_VIP_TIERS: 'gold' })).toEqual(['ROUTER_VIP_TIERS: catalog default "vip", expected "gold"']);
  });

  it('compares the catalog default as the class reads it (its transforms applied)', () => {
    class Numeric extends RouterLike {
      @Transform(({ value }) => `${value}!`) @IsString() override ROUTER_VIP_TIERS = 'vip';
    }
    expect(catalogDrift('router', Numeric)).toEqual(['ROUTER_VIP_TIERS: catalog default "vip" reads as "vip!", not "vip"']);
  });
});
