import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ProblemException } from '../problem';
import { AUTH_METADATA, hasRole, type AuthRequirement, type Principal } from './roles';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

export const TOKEN_VERIFIER = Symbol('omni.token-verifier');

/** Routes without @Roles or @Public: only admins. Forgetting a decorator must not open an API. */
const DEFAULT_REQUIREMENT: AuthRequirement = { roles: ['admin'] };

/**
 * The one bearer-token guard of every Omni service (registered globally by ServiceKitModule).
 * 401 without a valid token, 403 with a valid token that lacks the route's role. Kafka handlers
 * are not HTTP requests and pass: their trust comes from the broker (ACLs/mTLS in production).
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [context.getHandler(), context.getClass()]) ?? DEFAULT_REQUIREMENT;
    if (requirement.public) return true;

    const http = context.switchToHttp();
    const req = http.getRequest<Request & { principal?: Principal }>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw unauthorized(http.getResponse<Response>(), 'A bearer token is required (Authorization: Bearer <token>).');
    try {
      req.principal = await this.verifier.verify(match[1]);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw unauthorized(http.getResponse<Response>(), `The bearer token was refused: ${err.message}.`, 'invalid_token');
      throw err;
    }
    if (!hasRole(req.principal, requirement.roles)) {
      throw new ProblemException(403, 'Forbidden', `This operation needs one of the roles: ${requirement.roles.join(', ')}.`);
    }
    return true;
  }
}

function unauthorized(res: Response, detail: string, error?: string): ProblemException {
  // RFC 6750: tell the client which scheme to use (and why a token failed).
  res.setHeader('WWW-Authenticate', error ? `Bearer realm="omni", error="${error}"` : 'Bearer realm="omni"');
  return new ProblemException(401, 'Unauthorized', detail);
}
