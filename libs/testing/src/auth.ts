import { DEV_JWT_SECRET, signToken, type Role } from '@omni/service-kit';

/**
 * A bearer token the services under test accept (they run with the development secret), for a
 * caller with these roles. Agents act as `agentId` (default: the subject).
 */
export function testToken(roles: Role[], options: { sub?: string; agentId?: string; scope?: string } = {}): Promise<string> {
  const sub = options.sub ?? `test-${roles.join('-') || 'nobody'}`;
  return signToken({ sub, roles, agentId: options.agentId, scope: options.scope }, DEV_JWT_SECRET);
}

/** `{ authorization: 'Bearer …' }` for fetch, for a caller with these roles (default admin). */
export async function authHeader(roles: Role[] = ['admin'], options: { sub?: string; agentId?: string; scope?: string } = {}): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await testToken(roles, options)}` };
}
