import { ENV, envOf, type EnvName, type EnvSpec, type ServiceEntry } from './catalog';
import { ConfigError } from './config';

/** The password of the development PostgreSQL container (compose); never a production one. */
const DEV_DATABASE_PASSWORD = 'postgres';

/** Values that are development or test placeholders of a secret: the catalog's, or the dev-/e2e- naming. */
function isPlaceholder(spec: EnvSpec, value: string): boolean {
  if (value === spec.dev || value === spec.test) return true;
  if (spec.dev !== undefined && value === spec.dev.replace(/^dev-/, 'e2e-')) return true;
  return /^(dev|e2e)-/.test(value) || /placeholder/i.test(value);
}

/**
 * The secret problems of a service's environment in production, one per variable, named: a secret
 * the service reads (catalog `secret` and `required`, or a required setting with a `dev` value)
 * that is empty, or a development / test
 * placeholder (what `npm start`, compose and the e2e harness fill in), and a DATABASE_URL still on
 * the development `postgres:postgres` credentials. AUTH_JWT_SECRET is left to the auth settings,
 * which accept a JWKS URL instead. Empty outside production.
 */
export function productionSecretProblems(
  entry: Pick<ServiceEntry, 'env'>,
  env: Record<string, string | undefined>,
): Array<{ variable: string; problem: string }> {
  if (env.NODE_ENV !== 'production') return [];
  const problems: Array<{ variable: string; problem: string }> = [];
  for (const name of envOf(entry) as EnvName[]) {
    const spec: EnvSpec = ENV[name];
    // Secrets, and required settings with a development value (TWILIO_PUBLIC_BASE_URL: Twilio signs it).
    if (!spec.required || (!spec.secret && spec.dev === undefined) || name === 'AUTH_JWT_SECRET') continue;
    const value = env[name] ?? '';
    if (value.trim() === '') problems.push({ variable: name, problem: 'is empty; set the real value in production' });
    else if (isPlaceholder(spec, value)) problems.push({ variable: name, problem: 'is a development placeholder; set the real value in production' });
  }
  const database = env.DATABASE_URL;
  if (database) {
    try {
      const url = new URL(database);
      if (decodeURIComponent(url.password) === DEV_DATABASE_PASSWORD) problems.push({ variable: 'DATABASE_URL', problem: 'uses the development password; set real database credentials in production' });
    } catch {
      // Shape errors are the config validation's to report.
    }
  }
  return problems;
}

/** Throws a ConfigError naming every variable when `productionSecretProblems` finds any. */
export function assertProductionSecrets(entry: Pick<ServiceEntry, 'env'>, env: Record<string, string | undefined>): void {
  const problems = productionSecretProblems(entry, env);
  if (problems.length > 0) throw new ConfigError(problems);
}
