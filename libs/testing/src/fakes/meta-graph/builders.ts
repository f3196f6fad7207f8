/**
 * Builders for Messenger and WhatsApp webhook bodies in the documented shapes (docs/channels/messenger.md,
 * 3.2). They return plain objects; `postSignedWebhook` serialises them the way Meta does. Ids are
 * generated when not given (distinct per call); times default to now, since window rules count
 * from the customer's last message.
 */

let counter = 0;
function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36).padStart(4, '0')}`;
}

// ---------------------------------------------------------------- Messenger

export type MessagingItem = Record<string, unknown>;

export interface MessengerParties {
  pageId: string;
  /** The customer's page-scoped id. */
  psid: string;
  /** Epoch ms; default now. */
  timestamp?: number;
}

/** `{"object":"page","entry":[…]}`; items are grouped into one entry per page, in order. */
export function messengerWebhook(...items: Array<{ pageId: string; item: MessagingItem }>): Record<string, unknown> {
  const entries = new Map<string, MessagingItem[]>();
  for (const { pageId, item } of items) entries.set(pageId, [...(entries.get(pageId) ?? []), item]);
  const time = Math.max(...items.map(({ item }) => Number(item.timestamp) || 0), 0) || Date.now();
  return { object: 'page', entry: [...entries].map(([id, messaging]) => ({ id, time, messaging })) };
}

function inbound(p: MessengerParties, event: Record<string, unknown>): { pageId: string; item: MessagingItem } {
  return { pageId: p.pageId, item: { sender: { id: p.psid }, recipient: { id: p.pageId }, timestamp: p.timestamp ?? Date.now(), ...event } };
}

export function messengerText(p: MessengerParties & { text: string; mid?: string; replyToMid?: string }) {
  return inbound(p, { message: { mid: p.mid ?? nextId('m_'), text: p.text, ...(p.replyToMid ? { reply_to: { mid: p.replyToMid } } : {}) } });
}

export function messengerQuickReply(p: MessengerParties & { title: string; payload: string; mid?: string }) {
  return inbound(p, { message: { mid: p.mid ?? nextId('m_'), text: p.title, quick_reply: { payload: p.payload } } });
}

export function messengerAttachment(p: MessengerParties & { type: 'image' | 'video' | 'audio' | 'file' | 'sticker'; url: string; mid?: string }) {
  return inbound(p, { message: { mid: p.mid ?? nextId('m_'), attachments: [{ type: p.type, payload: { url: p.url } }] } });
}

export function messengerPostback(p: MessengerParties & { title: string; payload: string; mid?: string; ref?: string }) {
  return inbound(p, {
    postback: { mid: p.mid ?? nextId('m_'), title: p.title, payload: p.payload, ...(p.ref ? { referral: { ref: p.ref, source: 'SHORTLINK', type: 'OPEN_THREAD' } } : {}) },
  });
}

export function messengerReferral(p: MessengerParties & { ref?: string; adId?: string }) {
  return inbound(p, { referral: { ...(p.ref ? { ref: p.ref } : {}), source: p.adId ? 'ADS' : 'SHORTLINK', type: 'OPEN_THREAD', ...(p.adId ? { ad_id: p.adId } : {}) } });
}

export function messengerDelivery(p: MessengerParties & { mids?: string[]; watermark: number }) {
  return inbound(p, { delivery: { ...(p.mids ? { mids: p.mids } : {}), watermark: p.watermark } });
}

export function messengerRead(p: MessengerParties & { watermark: number }) {
  return inbound(p, { read: { watermark: p.watermark } });
}

export function messengerReaction(p: MessengerParties & { mid: string; emoji?: string; reaction?: string; action?: 'react' | 'unreact' }) {
  const action = p.action ?? 'react';
  return inbound(p, { reaction: { mid: p.mid, action, reaction: p.reaction ?? 'love', ...(action === 'react' ? { emoji: p.emoji ?? '❤️' } : {}) } });
}

/** What the Page (our own send) looks like echoed back: sender = Page. */
export function messengerEcho(p: MessengerParties & { text: string; mid: string; appId?: string }) {
  return {
    pageId: p.pageId,
    item: {
      sender: { id: p.pageId },
      recipient: { id: p.psid },
      timestamp: p.timestamp ?? Date.now(),
      message: { is_echo: true, app_id: Number(p.appId ?? '1517776481860111'), mid: p.mid, text: p.text },
    },
  };
}

// ---------------------------------------------------------------- WhatsApp

export interface WhatsAppNumber {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber?: string;
}

export interface WhatsAppChangeInit {
  number: WhatsAppNumber;
  contacts?: Array<{ waId: string; name: string }>;
  messages?: Array<Record<string, unknown>>;
  statuses?: Array<Record<string, unknown>>;
}

/** `{"object":"whatsapp_business_account","entry":[…]}` with one `messages` change per item, grouped by WABA. */
export function whatsappWebhook(...changes: WhatsAppChangeInit[]): Record<string, unknown> {
  const entries = new Map<string, unknown[]>();
  for (const change of changes) {
    const value: Record<string, unknown> = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: change.number.displayPhoneNumber ?? '15550783881', phone_number_id: change.number.phoneNumberId },
    };
    if (change.contacts?.length) value.contacts = change.contacts.map((c) => ({ profile: { name: c.name }, wa_id: c.waId }));
    if (change.messages?.length) value.messages = change.messages;
    if (change.statuses?.length) value.statuses = change.statuses;
    entries.set(change.number.wabaId, [...(entries.get(change.number.wabaId) ?? []), { field: 'messages', value }]);
  }
  return { object: 'whatsapp_business_account', entry: [...entries].map(([id, list]) => ({ id, changes: list })) };
}

const seconds = (ms?: number) => String(Math.floor((ms ?? Date.now()) / 1000));

export interface WhatsAppSender {
  /** The customer's wa_id (digits, no +). */
  from: string;
  id?: string;
  /** Epoch ms; sent as a seconds string. */
  timestamp?: number;
  /** The business message this one answers (`context.id`). */
  contextId?: string;
}

function whatsappMessage(s: WhatsAppSender, type: string, object: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(s.contextId ? { context: { from: '15550783881', id: s.contextId } } : {}),
    from: s.from,
    id: s.id ?? nextId('wamid.FAKE'),
    timestamp: seconds(s.timestamp),
    type,
    [type]: object,
  };
}

export function whatsappText(s: WhatsAppSender & { text: string }) {
  return whatsappMessage(s, 'text', { body: s.text });
}

export function whatsappImage(s: WhatsAppSender & { mediaId: string; caption?: string; mimeType?: string }) {
  return whatsappMessage(s, 'image', { id: s.mediaId, mime_type: s.mimeType ?? 'image/jpeg', sha256: 'ZmFrZS1zaGEyNTY=', ...(s.caption ? { caption: s.caption } : {}) });
}

export function whatsappButtonReply(s: WhatsAppSender & { buttonId: string; title: string }) {
  return whatsappMessage(s, 'interactive', { type: 'button_reply', button_reply: { id: s.buttonId, title: s.title } });
}

export function whatsappListReply(s: WhatsAppSender & { rowId: string; title: string; description?: string }) {
  return whatsappMessage(s, 'interactive', { type: 'list_reply', list_reply: { id: s.rowId, title: s.title, ...(s.description ? { description: s.description } : {}) } });
}

export function whatsappReaction(s: WhatsAppSender & { messageId: string; emoji?: string }) {
  return whatsappMessage(s, 'reaction', { message_id: s.messageId, ...(s.emoji ? { emoji: s.emoji } : {}) });
}

export function whatsappStatus(init: {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'played';
  recipientId: string;
  timestamp?: number;
  bizOpaqueCallbackData?: string;
  errors?: Array<{ code: number; title: string; message?: string; details?: string }>;
}): Record<string, unknown> {
  return {
    id: init.id,
    status: init.status,
    timestamp: seconds(init.timestamp),
    recipient_id: init.recipientId,
    ...(init.bizOpaqueCallbackData ? { biz_opaque_callback_data: init.bizOpaqueCallbackData } : {}),
    ...(init.status === 'failed'
      ? {
          errors: (init.errors ?? [{ code: 131047, title: 'Re-engagement message' }]).map((e) => ({
            code: e.code,
            title: e.title,
            message: e.message ?? e.title,
            error_data: { details: e.details ?? e.title },
          })),
        }
      : { pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' } }),
  };
}
