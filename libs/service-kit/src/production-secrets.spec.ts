import { Module } from '@nestjs/common';
import { devSecrets, SERVICES, serviceEntry, testSecrets, type ServiceEntry } from './catalog';
import { BaseServiceConfig } from './config';
import { startService } from './bootstrap';
import { productionSecretProblems } from './production-secrets';

const gateways = (SERVICES as readonly ServiceEntry[]).filter((s) => s.kind === 'gateway');
const REAL = { AUTH_JWT_SECRET: 'r'.repeat(48), DATABASE_URL: 'postgres://omni:Zq8v3kLx@db:5432/omni' };

/** A real-looking value for every secret a service reads (random-ish, no placeholder naming). */
function realSecrets(entry: ServiceEntry): Record<string, string> {
  const out: Record<string, string> = { ...REAL };
  for (const name of entry.env) out[name] = `K7${name.length}x9Qw2mZ${name.toLowerCase().replace(/_/g, '')}`;
  return out;
}

describe('production secrets', () => {
  it.each(gateways.map((g) => [g.name, g] as const))('%s: every development placeholder is refused, each variable named', (_name, entry) => {
    const env = { ...devSecrets(), ...REAL, NODE_ENV: 'production' };
    const named = productionSecretProblems(entry, env).map((p) => p.variable);
    const expected = entry.env.filter((name) => name in devSecrets());
    expect(expected.length).toBeGreaterThan(0);
    expect(named.sort()).toEqual([...expected].sort());
  });

  it.each(gateways.map((g) => [g.name, g] as const))('%s: the e2e placeholders and empty values are refused too', (_name, entry) => {
    const withTest = productionSecretProblems(entry, { ...testSecrets(), ...REAL, NODE_ENV: 'production' });
    expect(withTest.length).toBeGreaterThan(0);
    const empty: Record<string, string> = { ...realSecrets(entry), NODE_ENV: 'production' };
    for (const name of entry.env) if (name in devSecrets()) empty[name] = '';
    expect(productionSecretProblems(entry, empty).every((p) => p.problem.startsWith('is empty'))).toBe(true);
    expect(productionSecretProblems(entry, empty).length).toBe(entry.env.filter((name) => name in devSecrets()).length);
  });

  it('accepts real values in production, and placeholders outside production', () => {
    for (const entry of gateways) {
      expect(productionSecretProblems(entry, { ...realSecrets(entry), NODE_ENV: 'production' })).toEqual([]);
      expect(productionSecretProblems(entry, { ...devSecrets(), NODE_ENV: 'development' })).toEqual([]);
      expect(productionSecretProblems(entry, devSecrets())).toEqual([]);
    }
  });

  it("refuses the development database credentials (compose's postgres:postgres)", () => {
    const problems = productionSecretProblems(serviceEntry('normalizer'), { ...REAL, DATABASE_URL: 'postgres://postgres:postgres@postgres:5432/omni', NODE_ENV: 'production' });
    expect(problems).toEqual([{ variable: 'DATABASE_URL', problem: expect.stringContaining('development password') }]);
  });

  it('a production start on a development secret fails before anything connects, naming the variable', async () => {
    @Module({})
    class Empty {}
    const definition = { name: 'gateway-twitter' as const, description: 'test', configClass: BaseServiceConfig, module: () => ({ module: Empty }) };
    const env = { ...devSecrets(), ...realSecrets(serviceEntry('gateway-twitter')), TWITTER_CONSUMER_SECRET: 'dev-consumer-secret', NODE_ENV: 'production' };
    await expect(startService(definition, { env })).rejects.toThrow(/TWITTER_CONSUMER_SECRET: is a development placeholder/);
  });
});
