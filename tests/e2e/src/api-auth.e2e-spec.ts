import { randomUUID } from 'node:crypto';
import { normalizer } from '@omni/normalizer';
import { startService, type ServiceName } from '@omni/service-kit';
import { authHeader, serviceTestEnv, testEnv } from '@omni/testing';
import { startOmni, type Omni } from './harness';

type OpenApi = { paths: Record<string, Record<string, unknown>> };
interface Operation {
  service: ServiceName;
  method: string;
  path: string;
}

/** Every operation a service documents, with path parameters filled in. Webhooks are provider-signed. */
async function operationsOf(omni: Omni, service: ServiceName): Promise<Operation[]> {
  const document = (await (await fetch(`${omni.url(service)}/docs/openapi.json`)).json()) as OpenApi;
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map((method) => ({ service, method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, () => randomUUID()) })),
  );
}

describe('API authentication (every documented operation of every service)', () => {
  let omni: Omni;
  let operations: Operation[];

  beforeAll(async () => {
    omni = await startOmni();
    operations = (await Promise.all((Object.keys(omni.services) as ServiceName[]).map((s) => operationsOf(omni, s)))).flat();
  }, 180_000);
  afterAll(() => omni?.stop());

  const call = (op: Operation, headers: Record<string, string> = {}) =>
    fetch(`${omni.url(op.service)}${op.path}`, { method: op.method, headers: { 'content-type': 'application/json', ...headers }, body: ['GET', 'DELETE'].includes(op.method) ? undefined : '{}' });

  it('documents the operations it protects (the test would be empty otherwise)', () => {
    const documented = operations.map((op) => `${op.service} ${op.method}`);
    expect(documented).toEqual(expect.arrayContaining(['normalizer GET', 'normalizer DELETE', 'assignment PUT', 'assignment POST', 'gateway-twitter GET']));
  });

  it('answers 401 problem+json with a Bearer challenge without a token, or with a forged one', async () => {
    // A real token with one signature character changed: the first one, because the last
    // base64url character of an HS256 signature carries two unused bits, so 'A' → 'B' there left
    // the signature intact (a valid token, 1 run in 16).
    const token = (await authHeader(['admin'])).authorization.split(' ')[1]!;
    const signatureAt = token.lastIndexOf('.') + 1;
    const forged = `Bearer ${token.slice(0, signatureAt)}${token[signatureAt] === 'A' ? 'B' : 'A'}${token.slice(signatureAt + 1)}`;
    for (const op of operations) {
      for (const headers of [{}, { authorization: forged }, { authorization: 'Basic YWRtaW46YWRtaW4=' }] as Array<Record<string, string>>) {
        const response = await call(op, headers);
        expect({ op, status: response.status, type: response.headers.get('content-type') }).toEqual({ op, status: 401, type: expect.stringContaining('application/problem+json') });
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="omni"/);
      }
    }
  });

  it('answers 403 to a valid token without the operation\'s role', async () => {
    const nobody = await authHeader([]);
    for (const op of operations) {
      const response = await call(op, nobody);
      expect({ op, status: response.status }).toEqual({ op, status: 403 });
    }
  });

  it('lets the right role through, and keeps health, metrics, docs and webhooks open', async () => {
    const agents = `${omni.url('assignment')}/agents`;
    expect((await fetch(agents, { headers: await authHeader(['supervisor']) })).status).toBe(200);
    expect((await fetch(`${agents}/someone`, { method: 'PUT', headers: { 'content-type': 'application/json', ...(await authHeader(['supervisor'])) }, body: JSON.stringify({ displayName: 'X', capacity: 100 }) })).status).toBe(403);
    // An agent sets their own presence, not a colleague's.
    await fetch(`${agents}/agent-own`, { method: 'PUT', headers: { 'content-type': 'application/json', ...(await authHeader(['admin'])) }, body: JSON.stringify({ displayName: 'Own', capacity: 1 }) });
    const presence = (id: string) =>
      authHeader(['agent'], { agentId: 'agent-own' }).then((h) => fetch(`${agents}/${id}/presence`, { method: 'PUT', headers: { 'content-type': 'application/json', ...h }, body: JSON.stringify({ status: 'online' }) }));
    expect((await presence('agent-own')).status).toBe(200);
    expect((await presence('agent-other')).status).toBe(403);
    for (const name of Object.keys(omni.services) as ServiceName[]) {
      for (const path of ['/health/live', '/health/ready', '/metrics', '/docs/openapi.json']) expect({ name, path, status: (await fetch(`${omni.url(name)}${path}`)).status }).toEqual({ name, path, status: 200 });
    }
    // Webhooks answer to their channel's signature check, never to the bearer guard.
    const verify = await fetch(`${omni.url('gateway-messenger')}/webhooks/messenger?hub.mode=subscribe&hub.verify_token=e2e-verify-token&hub.challenge=42`);
    expect(verify.status).toBe(200);
    const unsigned = await fetch(`${omni.url('gateway-messenger')}/webhooks/messenger`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.headers.get('www-authenticate')).toBeNull();
    expect(((await unsigned.json()) as { detail: string }).detail).toMatch(/signature/i);
  });

  it('tells how to authenticate in /docs', async () => {
    const document = (await (await fetch(`${omni.url('assignment')}/docs/openapi.json`)).json()) as { components: { securitySchemes: Record<string, unknown> }; security: unknown[] };
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearer: [] }]);
  });
});

describe('production start', () => {
  it('refuses the development JWT secret and names the variable', async () => {
    const env = serviceTestEnv({ prefix: `${testEnv().topicPrefix}prod.` }, { NODE_ENV: 'production' });
    await expect(startService(normalizer, { env })).rejects.toThrow(/AUTH_JWT_SECRET: is the development secret/);
  });
});
