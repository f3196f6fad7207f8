import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ROLES, type Principal, type Role } from './roles';

export interface AuthSettings {
  /** HS256 shared secret; used when no JWKS URL is configured. */
  jwtSecret?: string;
  /** An identity provider's JWKS endpoint (Keycloak, Auth0…): RS/ES/EdDSA tokens it signs. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Clock tolerance for exp/nbf, in seconds. */
  clockToleranceSec?: number;
}

/** Why a token was refused; the message is safe to return to the caller (no token content). */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

const MAX_TOKEN_LENGTH = 8_192;
const MAX_CLAIM_ITEMS = 64;

/**
 * Verifies bearer tokens (signature, exp/nbf, issuer and audience when configured) and maps their
 * claims to a Principal. Roles come from `roles`, or Keycloak's `realm_access.roles`; the `crm`
 * role also comes from a `crm` OAuth scope.
 */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly settings: AuthSettings) {
    if (settings.jwksUrl) {
      // jose caches the key set and refetches on an unknown `kid` (rate-limited by its cooldown).
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl));
      this.algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
    } else if (settings.jwtSecret) {
      this.key = new TextEncoder().encode(settings.jwtSecret);
      this.algorithms = ['HS256'];
    } else {
      throw new Error('auth: set AUTH_JWT_SECRET or AUTH_JWKS_URL');
    }
  }

  async verify(token: string): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('token too long');
    let payload: JWTPayload;
    try {
      const options = { algorithms: this.algorithms, issuer: this.settings.issuer, audience: this.settings.audience, clockTolerance: this.settings.clockToleranceSec ?? 30 };
      ({ payload } =
        typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options));
    } catch (err) {
      throw new InvalidTokenError(describe(err));
    }
    return principalFrom(payload);
  }
}

export function principalFrom(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || !payload.sub) throw new InvalidTokenError('token has no subject');
  const scopes = stringList(typeof payload.scope === 'string' ? payload.scope.split(' ') : payload.scp);
  const claimed = [...stringList(payload.roles), ...stringList((payload.realm_access as { roles?: unknown } | undefined)?.roles)];
  const roles = new Set<Role>(claimed.filter((r): r is Role => (ROLES as readonly string[]).includes(r)));
  if (scopes.includes('crm')) roles.add('crm');
  const agentId = typeof payload.agent_id === 'string' && payload.agent_id ? payload.agent_id : payload.sub;
  return { subject: payload.sub, roles: [...roles], scopes, ...(roles.has('agent') ? { agentId } : {}) };
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.slice(0, MAX_CLAIM_ITEMS).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function describe(err: unknown): string {
  const code = (err as { code?: string })?.code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `token claim "${(err as { claim?: string }).claim}" is not accepted`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token signature is invalid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'token algorithm is not accepted';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'token key is unknown';
    default:
      return 'token is malformed or cannot be verified';
  }
}

/** The auth settings of a service's config; in production a development or weak secret is refused. */
export function authSettingsFrom(
  config: { AUTH_JWT_SECRET?: string; AUTH_JWKS_URL?: string; AUTH_JWT_ISSUER?: string; AUTH_JWT_AUDIENCE?: string },
  nodeEnv: string | undefined,
  isDevelopmentSecret: (value: string) => boolean,
): AuthSettings {
  if (nodeEnv === 'production' && !config.AUTH_JWKS_URL) {
    const secret = config.AUTH_JWT_SECRET ?? '';
    const problem = !secret ? 'is empty' : isDevelopmentSecret(secret) ? 'is the development secret' : secret.length < 32 ? 'is shorter than 32 characters' : undefined;
    if (problem) throw new WeakSecretError('AUTH_JWT_SECRET', `${problem}; set a random secret of 32+ characters, or AUTH_JWKS_URL`);
  }
  return { jwtSecret: config.AUTH_JWT_SECRET, jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_JWT_ISSUER, audience: config.AUTH_JWT_AUDIENCE };
}

export class WeakSecretError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`invalid configuration: ${variable}: ${problem}`);
  }
}
