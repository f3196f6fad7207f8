/**
 * Pure channel code: how long parsing one webhook and formatting one outbound take, per channel.
 * No I/O, so these numbers are the ceiling the gateways and the normalizer add per message.
 */
import { performance } from 'node:perf_hooks';
import { Channel, create, OutboundApprovedSchema } from '@omni/contracts';
import { messengerParser, createMessengerAdapter } from '@omni/channel-messenger';
import { whatsappParser } from '@omni/channel-whatsapp';
import { splitText } from '@omni/channel-sdk';
import { report, summarize } from './stats';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);

function measure(fn: () => void): number[] {
  for (let i = 0; i < 500; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

const messengerBody = Buffer.from(
  JSON.stringify({
    object: 'page',
    entry: [{ id: '104857600000001', time: 1717171717999, messaging: Array.from({ length: 5 }, (_, i) => ({ sender: { id: `65432109876543${i}` }, recipient: { id: '104857600000001' }, timestamp: 1717171717512 + i, message: { mid: `m_${i}`, text: 'Is the blue jacket in stock?' } })) }],
  }),
);
const whatsappBody = Buffer.from(
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, contacts: [{ profile: { name: 'Ana Ruiz' }, wa_id: '5215512345678' }], messages: [{ from: '5215512345678', id: 'wamid.HBgN', timestamp: '1717171717', type: 'text', text: { body: 'Hola, ¿mi pedido ya salió?' } }] } }] }],
  }),
);
const raw = (body: Buffer, webhookPath: string) => ({ accountId: '', body, contentType: 'application/json', webhookPath, receivedAt: new Date(), headers: {} });
const messenger = createMessengerAdapter({ appSecret: 's', verifyToken: 'v', pageAccessToken: 't' });
const approved = create(OutboundApprovedSchema, {
  id: 'a',
  request: { id: 'o', conversationId: 'c', channel: Channel.MESSENGER, recipient: { channelUserId: '6543210987654321' }, content: { text: 'x'.repeat(4_500), quickReplies: [{ title: 'Yes', payload: 'Y' }, { title: 'No', payload: 'N' }] } },
  policy: { messagingType: 1 },
});
const longText = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(200);

report(`channel code, ${ITERATIONS} iterations each (ms per call)`, {
  'messenger parse (5 events)': summarize(measure(() => messengerParser.parse(raw(messengerBody, '/webhooks/messenger')))),
  'whatsapp parse (1 message)': summarize(measure(() => whatsappParser.parse(raw(whatsappBody, '/webhooks/whatsapp')))),
  'messenger format (4.5k text + QR)': summarize(measure(() => messenger.format(approved))),
  'splitText 11k chars @ 1600': summarize(measure(() => splitText(longText, 1_600))),
});
