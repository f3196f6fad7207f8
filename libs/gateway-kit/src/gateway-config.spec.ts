import { ConfigError, loadConfig } from '@omni/service-kit';
import { GatewayServiceConfig } from './gateway-config';

const load = (env: Record<string, string>) => loadConfig(GatewayServiceConfig, { PORT: '3100', ...env });

describe('gateway configuration', () => {
  it("leaves GATEWAY_RETRY_BASE_MS unset by default and when empty (the dispatcher's default applies)", () => {
    expect(load({}).GATEWAY_RETRY_BASE_MS).toBeUndefined();
    expect(load({ GATEWAY_RETRY_BASE_MS: '' }).GATEWAY_RETRY_BASE_MS).toBeUndefined();
  });

  it('reads GATEWAY_RETRY_BASE_MS as a number within its bounds', () => {
    expect(load({ GATEWAY_RETRY_BASE_MS: '1' }).GATEWAY_RETRY_BASE_MS).toBe(1);
    expect(load({ GATEWAY_RETRY_BASE_MS: '60000' }).GATEWAY_RETRY_BASE_MS).toBe(60_000);
  });

  it.each(['0', '60001', '2.5', 'fast'])('GATEWAY_RETRY_BASE_MS=%s stops the gateway with a message naming the variable', (value) => {
    expect(() => load({ GATEWAY_RETRY_BASE_MS: value })).toThrow(ConfigError);
    expect(() => load({ GATEWAY_RETRY_BASE_MS: value })).toThrow('GATEWAY_RETRY_BASE_MS');
  });
});
