import { randomUUID } from 'node:crypto';
import { Topics } from '@omni/contracts';
import { raw, startRig, uniqueDigits, type Rig } from './testing/rig';

/** Ids nobody has (fixed, so test names stay the same from run to run). */
const UNKNOWN = '5d1f1c2e-7c1a-4b8e-9f0a-2b3c4d5e6f70';
const OTHER = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('normalizer HTTP API: validation, problems, OpenAPI (real PostgreSQL)', () => {
  let rig: Rig;
  let contactId: string;
  let conversationId: string;

  beforeAll(async () => {
    rig = await startRig();
    const wamid = `wamid.${randomUUID()}`;
    const waId = `336${uniqueDigits(8)}`;
    await rig.send(raw.whatsappText(waId, `wamid.${randomUUID()}`, 'hola', Date.now() - 2_000));
    await rig.send(raw.whatsappText(waId, wamid, 'hola otra vez', Date.now() - 1_000));
    const message = (await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === wamid)).value;
    contactId = message.contactId;
    conversationId = message.conversationId;
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  function fields(body: { errors?: Array<{ field: string }> }): string[] {
    return [...new Set((body.errors ?? []).map((e) => e.field))].sort();
  }

  it.each([
    ['GET', '/contacts/not-a-uuid', undefined, ['id']],
    ['GET', '/conversations/42/messages', undefined, ['id']],
    ['GET', `/contacts/${UNKNOWN}/timeline?limit=0`, undefined, ['limit']],
    ['GET', `/contacts/${UNKNOWN}/timeline?limit=500&order=sideways`, undefined, ['limit', 'order']],
    ['GET', `/contacts/${UNKNOWN}/timeline?limit=ten`, undefined, ['limit']],
    ['GET', '/contacts', undefined, ['query']],
    ['GET', '/contacts?channel=fax&id=1', undefined, ['channel']],
    ['GET', '/contacts?channel=sms', undefined, ['id']],
    ['GET', '/contacts?phone=hello', undefined, ['phone']],
    ['GET', '/contacts?phone=%2B33612345678&customerId=x', undefined, ['query']],
    ['POST', '/contacts/link', { identities: [{ channel: 'messenger', id: '1' }] }, ['customerId']],
    ['POST', '/contacts/link', { customerId: 'crm 42!', identities: [{ channel: 'pager', id: '' }] }, ['customerId', 'identities.0.channel', 'identities.0.id']],
    ['POST', '/contacts/link', { customerId: 'crm-42', phones: ['call me maybe'] }, ['phones.0']],
    ['POST', '/contacts/link', { customerId: 'crm-42' }, ['identities']],
    ['POST', `/contacts/${UNKNOWN}/merge`, { sourceContactId: 'nope' }, ['sourceContactId']],
    ['POST', `/contacts/${UNKNOWN}/merge`, { sourceContactId: OTHER, extra: true }, ['extra']],
    [
      'PATCH',
      `/contacts/${UNKNOWN}`,
      { tier: 'v i p', lifetimeValue: { amount: -1, currency: 'EURO' }, cart: { items: 1.5 }, preferredChannel: 'fax', language: 'Spanish', timezone: 'Mars/Olympus', openOrders: [{ status: 'x' }] },
      ['cart.items', 'language', 'lifetimeValue.amount', 'lifetimeValue.currency', 'openOrders.0.orderId', 'preferredChannel', 'tier', 'timezone'],
    ],
    ['DELETE', `/contacts/${UNKNOWN}?requestedBy=${encodeURIComponent('bad value!')}`, undefined, ['requestedBy']],
  ])('%s %s → 400 problem+json naming the bad fields', async (method, path, body, expected) => {
    const response = await rig.http(method, path, body);
    expect({ status: response.status, type: response.type }).toEqual({ status: 400, type: expect.stringContaining('application/problem+json') });
    expect(response.json).toMatchObject({ status: 400, title: 'Invalid request' });
    expect(fields(response.json)).toEqual(expected);
  });

  it('refuses a cursor it did not issue, and one issued for the other order', async () => {
    const bad = await rig.http('GET', `/contacts/${contactId}/timeline?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(fields(bad.json)).toEqual(['cursor']);
    const page = await rig.http('GET', `/conversations/${conversationId}/messages?limit=1&order=desc`);
    expect(page.status).toBe(200);
    expect(page.json.nextCursor).toEqual(expect.any(String));
    const crossed = await rig.http('GET', `/conversations/${conversationId}/messages?cursor=${page.json.nextCursor}`);
    expect(crossed.status).toBe(400);
    expect(fields(crossed.json)).toEqual(['cursor']);
    const next = await rig.http('GET', `/conversations/${conversationId}/messages?order=desc&cursor=${page.json.nextCursor}`);
    expect(next.json.items.map((m: { text: string }) => m.text)).toEqual(['hola']);
  });

  it.each([
    ['GET', `/contacts/${UNKNOWN}`],
    ['GET', `/contacts/${UNKNOWN}/timeline`],
    ['GET', `/contacts/${UNKNOWN}/conversations`],
    ['PATCH', `/contacts/${UNKNOWN}`],
    ['DELETE', `/contacts/${UNKNOWN}`],
    ['GET', `/conversations/${UNKNOWN}`],
    ['GET', `/conversations/${UNKNOWN}/messages`],
  ])('%s on an unknown id → 404 problem+json', async (method, path) => {
    const response = await rig.http(method, path, method === 'PATCH' ? { tier: 'vip' } : undefined);
    expect({ status: response.status, type: response.type }).toEqual({ status: 404, type: expect.stringContaining('application/problem+json') });
    expect(response.json).toMatchObject({ status: 404, title: 'Not found' });
  });

  it('answers a search that finds nobody with an empty list', async () => {
    const response = await rig.http('GET', `/contacts?channel=twitter&id=${uniqueDigits(18)}`);
    expect(response).toMatchObject({ status: 200, json: { items: [] } });
  });

  it('documents the API in OpenAPI at /docs', async () => {
    const document = (await (await fetch(`${rig.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/contacts',
        '/contacts/link',
        '/contacts/{id}',
        '/contacts/{id}/conversations',
        '/contacts/{id}/merge',
        '/contacts/{id}/timeline',
        '/conversations/{id}',
        '/conversations/{id}/messages',
      ].sort(),
    );
    expect(Object.keys(document.paths['/contacts/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['ContactView', 'MessagePageView', 'UpdateContactDto', 'LinkCustomerDto']));
    expect((await fetch(`${rig.url}/docs`)).status).toBe(200);
  });
});
