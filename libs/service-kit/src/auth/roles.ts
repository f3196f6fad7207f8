import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * Who may call an HTTP route. `agent`, `supervisor` and `admin` are people; `crm` is a CRM
 * integration (a role or an OAuth scope). `admin` passes every check.
 */
export type Role = 'agent' | 'supervisor' | 'admin' | 'crm';
export const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin', 'crm'];

/** The verified caller of an HTTP request. */
export interface Principal {
  /** The token's `sub`. */
  subject: string;
  roles: readonly Role[];
  /** OAuth scopes from the `scope` (space-separated) or `scp` claim. */
  scopes: readonly string[];
  /** The agent this caller acts as (`agent_id` claim, else `sub`) when it has the agent role. */
  agentId?: string;
}

export const AUTH_METADATA = 'omni:auth';

export type AuthRequirement = { public: true } | { public?: false; roles: readonly Role[] };

/**
 * The roles allowed on a controller or route (any one suffices; admin always passes). A route
 * with neither @Roles nor @Public is admin-only: the guard denies by default.
 */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(AUTH_METADATA, { roles } satisfies AuthRequirement);

/** No token needed: provider webhooks (they carry their own signatures), health and metrics. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(AUTH_METADATA, { public: true } satisfies AuthRequirement);

/** The request's verified principal (set by the guard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal | undefined => ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal);

export function hasRole(principal: Principal, allowed: readonly Role[]): boolean {
  if (principal.roles.includes('admin')) return true;
  return allowed.some((role) => principal.roles.includes(role));
}
