/**
 * Every channel gateway's config class reads exactly the settings its catalog entry lists (so
 * compose and k8s can set each one, GATEWAY_RETRY_BASE_MS included), with the same defaults. The
 * core services check the same in their own config specs; gateways are checked here, from the
 * catalog's list of gateways, so a gateway added by `npm run channel:new` is covered too.
 */
import { catalogDrift, SERVICES, type ServiceName } from '@omni/service-kit';

const gateways = SERVICES.filter((s) => s.kind === 'gateway');

/** The gateway package's exported config class (`…GatewayConfig`). */
function configClassOf(name: string): Parameters<typeof catalogDrift>[1] {
  const exported = require(`@omni/${name}`) as Record<string, unknown>; // the package name comes from the catalog
  const found = Object.entries(exported).filter(([key, value]) => typeof value === 'function' && key.endsWith('GatewayConfig'));
  if (found.length !== 1) throw new Error(`@omni/${name} should export one …GatewayConfig class, found ${found.map(([k]) => k).join(', ') || 'none'}`);
  return found[0]![1] as Parameters<typeof catalogDrift>[1];
}

describe('gateway settings match the service catalog', () => {
  it('covers every gateway of the catalog', () => {
    expect(gateways.map((g) => g.name)).toEqual(expect.arrayContaining(['gateway-twitter', 'gateway-messenger', 'gateway-whatsapp', 'gateway-sms', 'gateway-telegram']));
  });

  it.each(gateways.map((g) => g.name))('%s', (name) => {
    expect(catalogDrift(name as ServiceName, configClassOf(name))).toEqual([]);
  });
});
