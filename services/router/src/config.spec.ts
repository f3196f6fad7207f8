import { catalogDrift, ConfigError, loadConfig, ownSettings } from '@omni/service-kit';
import { RouterConfig } from './config';

const load = (env: Record<string, string>) => loadConfig(RouterConfig, { PORT: '3202', ...env });

describe('router configuration', () => {
  it('reads the document file and the built-in document settings', () => {
    expect(ownSettings(RouterConfig)).toEqual(['ROUTER_DEFAULT_QUEUE', 'ROUTER_DOCUMENT_FILE', 'ROUTER_VIP_TIERS']);
    expect(load({})).toMatchObject({ ROUTER_DEFAULT_QUEUE: 'default', ROUTER_VIP_TIERS: 'vip' });
    expect(load({}).ROUTER_DOCUMENT_FILE).toBeUndefined();
    expect(load({ ROUTER_DOCUMENT_FILE: '/etc/omni/routing.yaml', ROUTER_DEFAULT_QUEUE: 'support', ROUTER_VIP_TIERS: 'gold,platinum' })).toMatchObject({
      ROUTER_DOCUMENT_FILE: '/etc/omni/routing.yaml',
      ROUTER_DEFAULT_QUEUE: 'support',
      ROUTER_VIP_TIERS: 'gold,platinum',
    });
  });

  it('is in the service catalog with the same defaults, so compose and k8s can set every setting', () => {
    expect(catalogDrift('router', RouterConfig)).toEqual([]);
  });

  it('treats the empty document file compose and k8s pass through as unset (the built-in document)', () => {
    expect(load({ ROUTER_DOCUMENT_FILE: '' }).ROUTER_DOCUMENT_FILE).toBeUndefined();
  });

  it.each([
    ['ROUTER_DEFAULT_QUEUE', 'Support Queue'],
    ['ROUTER_VIP_TIERS', 'vip, gold'],
  ])('%s=%s stops the service with a message naming the variable', (variable, value) => {
    expect(() => load({ [variable]: value })).toThrow(ConfigError);
    expect(() => load({ [variable]: value })).toThrow(variable);
  });
});
