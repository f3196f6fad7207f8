import { Channel, fromBinary, RawInboundSchema, timestampDate, Topics } from '@omni/contracts';
import { CE_HEADERS } from '@omni/messaging';
import { rawRecordEnvelope, type RawRecordFields } from './raw-record';

const input: RawRecordFields = {
  id: '8f1c1f0e-5d2a-4c1e-9a57-3b1f1c2d3e4f',
  channel: Channel.MESSENGER,
  receivedAt: new Date('2026-12-01T05:43:18.611Z'),
  body: Buffer.from('{"object":"page","entry":[{"id":"1","messaging":[{"message":{"text":"h\\u00e4llo"}}]}]}'),
  contentType: 'application/json',
  webhookPath: '/webhooks/messenger',
  headers: { 'content-type': 'application/json', 'user-agent': 'facebookexternalua' },
  accountId: '1001',
  threadKey: '5001',
};

describe('raw record', () => {
  it('keeps the provider body byte-for-byte, with the record id and receive time as CloudEvents id and time', () => {
    const envelope = rawRecordEnvelope('messenger:1001:5001', input, 'omni/gateway-messenger');
    expect(envelope).toMatchObject({ topic: Topics.inboundRaw.name, key: 'messenger:1001:5001' });
    expect(envelope.headers).toMatchObject({
      [CE_HEADERS.id]: input.id,
      [CE_HEADERS.time]: '2026-12-01T05:43:18.611Z',
      [CE_HEADERS.source]: 'omni/gateway-messenger',
      [CE_HEADERS.type]: Topics.inboundRaw.ceType,
    });
    const decoded = fromBinary(RawInboundSchema, envelope.value);
    expect(Buffer.from(decoded.body).equals(input.body)).toBe(true);
    expect(decoded).toMatchObject({ id: input.id, channel: Channel.MESSENGER, webhookPath: '/webhooks/messenger', accountId: '1001', threadKey: '5001', headers: input.headers });
    expect(timestampDate(decoded.receivedAt!).getTime()).toBe(input.receivedAt.getTime());
  });

  it('refuses a record without a key', () => {
    expect(() => rawRecordEnvelope('', input, 'omni/gateway-messenger')).toThrow(/needs a key/);
  });
});
