import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authSettingsFrom, hasRole, principalFrom, signToken, TokenVerifier, InvalidTokenError, DEV_JWT_SECRET } from './index';

const SECRET = 'a-test-secret-that-is-long-enough-32';

describe('TokenVerifier (HS256)', () => {
  const verifier = new TokenVerifier({ jwtSecret: SECRET });

  it('accepts a token it signed and maps roles, agent id and scopes', async () => {
    const token = await signToken({ sub: 'ana', roles: ['agent'], agentId: 'agent-ana', scope: 'crm read' }, SECRET);
    await expect(verifier.verify(token)).resolves.toEqual({ subject: 'ana', roles: expect.arrayContaining(['agent', 'crm']), scopes: ['crm', 'read'], agentId: 'agent-ana' });
  });

  it.each([
    ['another secret', () => signToken({ sub: 'x', roles: ['admin'] }, 'another-secret-another-secret-xxxx'), 'token signature is invalid'],
    ['expired', () => signToken({ sub: 'x', roles: ['admin'], expiresIn: '-5m' }, SECRET), 'token expired'],
    ['garbage', async () => 'not.a.jwt', 'token is malformed or cannot be verified'],
    ['alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","roles":["admin"]}').toString('base64url')}.`, 'token algorithm is not accepted'],
    ['no subject', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET)), 'token has no subject'],
    ['oversized', async () => 'a'.repeat(10_000), 'token too long'],
  ])('refuses a token: %s', async (_name, make, message) => {
    const token = await make();
    await expect(verifier.verify(token)).rejects.toThrow(new InvalidTokenError(message));
  });

  it('checks issuer and audience when configured', async () => {
    const strict = new TokenVerifier({ jwtSecret: SECRET, issuer: 'https://idp.example', audience: 'omni' });
    await expect(strict.verify(await signToken({ sub: 'x', roles: ['admin'] }, SECRET))).rejects.toThrow(InvalidTokenError);
    await expect(strict.verify(await signToken({ sub: 'x', roles: ['admin'], issuer: 'https://idp.example', audience: 'omni' }, SECRET))).resolves.toMatchObject({ subject: 'x' });
  });
});

describe('TokenVerifier (JWKS, as Keycloak issues them)', () => {
  let server: Server;
  let url: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`;
    sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('kc-user').setExpirationTime('1h').sign(privateKey);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('reads realm_access.roles', async () => {
    const verifier = new TokenVerifier({ jwksUrl: url });
    await expect(verifier.verify(await sign({ realm_access: { roles: ['supervisor', 'offline_access'] } }))).resolves.toEqual({ subject: 'kc-user', roles: ['supervisor'], scopes: [] });
  });

  it('refuses an HS256 token signed with anything when a JWKS is configured (no algorithm confusion)', async () => {
    const verifier = new TokenVerifier({ jwksUrl: url });
    await expect(verifier.verify(await signToken({ sub: 'x', roles: ['admin'] }, SECRET))).rejects.toThrow(InvalidTokenError);
  });
});

describe('principalFrom / hasRole', () => {
  it('ignores unknown roles and bounds claim lists', () => {
    const principal = principalFrom({ sub: 's', roles: ['root', 'agent', ...Array(1000).fill('admin')] });
    expect(principal.roles).toEqual(['agent', 'admin']);
  });
  it.each([
    [['agent'], ['agent'], true],
    [['agent'], ['supervisor'], false],
    [['admin'], ['supervisor'], true],
    [['crm'], ['agent', 'supervisor'], false],
    [[], ['agent'], false],
  ] as const)('roles %j against %j → %s', (roles, allowed, expected) => {
    expect(hasRole({ subject: 's', roles, scopes: [] }, allowed)).toBe(expected);
  });
});

describe('authSettingsFrom', () => {
  const isDev = (v: string) => v === DEV_JWT_SECRET;
  it.each([
    ['the development secret', DEV_JWT_SECRET, 'is the development secret'],
    ['an empty secret', '', 'is empty'],
    ['a short secret', 'short', 'is shorter than 32 characters'],
  ])('refuses %s in production, naming the variable', (_name, secret, problem) => {
    expect(() => authSettingsFrom({ AUTH_JWT_SECRET: secret }, 'production', isDev)).toThrow(`AUTH_JWT_SECRET: ${problem}`);
  });
  it('accepts the development secret outside production, and a JWKS URL in production', () => {
    expect(authSettingsFrom({ AUTH_JWT_SECRET: DEV_JWT_SECRET }, 'development', isDev).jwtSecret).toBe(DEV_JWT_SECRET);
    expect(authSettingsFrom({ AUTH_JWT_SECRET: DEV_JWT_SECRET, AUTH_JWKS_URL: 'https://idp/certs' }, 'production', isDev).jwksUrl).toBe('https://idp/certs');
  });
});
