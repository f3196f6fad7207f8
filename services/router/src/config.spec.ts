import { getMetadataStorage } from 'class-validator';
import { ConfigError, envSpec, loadConfig, serviceEntry, type EnvName } from '@omni/service-kit';
import { RouterConfig } from './config';

const load = (env: Record<string, string>) => loadConfig(RouterConfig, { PORT: '3202', ...env });

/** The router's own settings: every decorated ROUTER_* field of its config class. */
const ROUTER_SETTINGS = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(RouterConfig, '', false, false)
      .map((m) => m.propertyName)
      .filter((name) => name.startsWith('ROUTER_')),
  ),
];

describe('router configuration', () => {
  it('reads the document file and the built-in document settings', () => {
    expect(ROUTER_SETTINGS.sort()).toEqual(['ROUTER_DEFAULT_QUEUE', 'ROUTER_DOCUMENT_FILE', 'ROUTER_VIP_TIERS']);
    expect(load({})).toMatchObject({ ROUTER_DEFAULT_QUEUE: 'default', ROUTER_VIP_TIERS: 'vip' });
    expect(load({}).ROUTER_DOCUMENT_FILE).toBeUndefined();
    expect(load({ ROUTER_DOCUMENT_FILE: '/etc/omni/routing.yaml', ROUTER_DEFAULT_QUEUE: 'support', ROUTER_VIP_TIERS: 'gold,platinum' })).toMatchObject({
      ROUTER_DOCUMENT_FILE: '/etc/omni/routing.yaml',
      ROUTER_DEFAULT_QUEUE: 'support',
      ROUTER_VIP_TIERS: 'gold,platinum',
    });
  });

  it('is in the service catalog with the same defaults, so compose and k8s can set every setting', () => {
    const catalogued = serviceEntry('router').env as readonly string[];
    const defaults = load({}) as unknown as Record<string, unknown>;
    for (const name of ROUTER_SETTINGS) {
      expect({ name, catalogued: catalogued.includes(name) }).toEqual({ name, catalogued: true });
      expect({ name, default: envSpec(name as EnvName).default }).toEqual({ name, default: defaults[name] });
    }
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
