import { isDeepStrictEqual } from 'node:util';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import { BaseServiceConfig } from './config';
import { envSpec, serviceEntry, type EnvName, type ServiceName } from './catalog';

type ConfigClass = new () => BaseServiceConfig;

function decorated(type: ConfigClass): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(type, '', false, false).map((m) => m.propertyName));
}

/** The variables a service's config class reads beyond BaseServiceConfig's (its decorated fields), sorted. */
export function ownSettings(type: ConfigClass): string[] {
  const base = decorated(BaseServiceConfig);
  return [...decorated(type)].filter((name) => !base.has(name)).sort();
}

/**
 * Where the service catalog disagrees with a service's config class (none: `[]`): a setting the
 * class reads that the service's `env` does not list (compose and k8s could not set it), one listed
 * that the class does not read, or a catalog default other than the class's field initialiser
 * (compared as text, and as the class reads it; an optional field has none). `differentDefaults`:
 * catalog defaults that deliberately differ, such as an in-cluster address.
 */
export function catalogDrift(service: ServiceName, type: ConfigClass, differentDefaults: Partial<Record<string, string>> = {}): string[] {
  const listed = serviceEntry(service).env as readonly string[];
  const read = ownSettings(type);
  const problems = [
    ...read.filter((name) => !listed.includes(name)).map((name) => `${name}: read by the config class, not in the catalog's ${service} env`),
    ...listed.filter((name) => !read.includes(name)).map((name) => `${name}: in the catalog's ${service} env, not read by the config class`),
  ];
  const initial = new type() as unknown as Record<string, unknown>;
  for (const name of read.filter((n) => listed.includes(n))) {
    const catalogued = envSpec(name as EnvName).default;
    const classDefault = initial[name];
    const expected = name in differentDefaults ? differentDefaults[name] : classDefault === undefined ? undefined : String(classDefault);
    if (catalogued !== expected) {
      problems.push(`${name}: catalog default ${JSON.stringify(catalogued)}, expected ${JSON.stringify(expected)}`);
      continue;
    }
    if (name in differentDefaults || catalogued === undefined) continue;
    const parsed = (plainToInstance(type, { [name]: catalogued }, { exposeDefaultValues: true }) as unknown as Record<string, unknown>)[name];
    if (!isDeepStrictEqual(parsed, classDefault)) problems.push(`${name}: catalog default ${JSON.stringify(catalogued)} reads as ${JSON.stringify(parsed)}, not ${JSON.stringify(classDefault)}`);
  }
  return problems;
}
