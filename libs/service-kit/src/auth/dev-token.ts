import { SignJWT } from 'jose';
import type { Role } from './roles';

/** The development signing secret `npm start`, compose and the tests use; production refuses it. */
export const DEV_JWT_SECRET = 'omni-dev-jwt-secret';

export interface TokenClaims {
  sub: string;
  roles: Role[];
  agentId?: string;
  scope?: string;
  /** Lifetime, jose syntax ('1h', '30d'); default 12 h. */
  expiresIn?: string;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 token, as an identity provider would: for development, tests and tools. */
export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  const jwt = new SignJWT({ roles: claims.roles, ...(claims.agentId ? { agent_id: claims.agentId } : {}), ...(claims.scope ? { scope: claims.scope } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
