import { catalogDrift, ConfigError, loadConfig, ownSettings } from '@omni/service-kit';
import { NormalizerConfig } from './config';

const load = (env: Record<string, string>) => loadConfig(NormalizerConfig, { PORT: '3201', ...env });

describe('normalizer configuration', () => {
  it('defaults: a 24 h reopen window, no default phone country', () => {
    expect(load({}).CONVERSATION_REOPEN_WINDOW_MS).toBe(86_400_000);
    expect(load({}).PHONE_DEFAULT_COUNTRY).toBeUndefined();
  });

  it('reads the reopen window as a number (0 = never reopens), an empty one keeping its default', () => {
    expect(load({ CONVERSATION_REOPEN_WINDOW_MS: '3600000' }).CONVERSATION_REOPEN_WINDOW_MS).toBe(3_600_000);
    expect(load({ CONVERSATION_REOPEN_WINDOW_MS: '0' }).CONVERSATION_REOPEN_WINDOW_MS).toBe(0);
    expect(load({ CONVERSATION_REOPEN_WINDOW_MS: '' }).CONVERSATION_REOPEN_WINDOW_MS).toBe(86_400_000);
  });

  it('reads the default country in upper case, an empty one as unset', () => {
    expect(load({ PHONE_DEFAULT_COUNTRY: 'fr' }).PHONE_DEFAULT_COUNTRY).toBe('FR');
    expect(load({ PHONE_DEFAULT_COUNTRY: '' }).PHONE_DEFAULT_COUNTRY).toBeUndefined();
  });

  it('is in the service catalog with the same defaults, so compose and k8s can set every setting', () => {
    expect(ownSettings(NormalizerConfig)).toEqual(['CONVERSATION_REOPEN_WINDOW_MS', 'PHONE_DEFAULT_COUNTRY']);
    expect(catalogDrift('normalizer', NormalizerConfig)).toEqual([]);
  });

  it.each([
    ['CONVERSATION_REOPEN_WINDOW_MS', '-1'],
    ['CONVERSATION_REOPEN_WINDOW_MS', '1.5'],
    ['CONVERSATION_REOPEN_WINDOW_MS', '24h'],
    ['PHONE_DEFAULT_COUNTRY', 'FRA'],
    ['PHONE_DEFAULT_COUNTRY', 'F1'],
  ])('%s=%s stops the service with a message naming the variable', (variable, value) => {
    expect(() => load({ [variable]: value })).toThrow(ConfigError);
    expect(() => load({ [variable]: value })).toThrow(variable);
  });
});
