/**
 * Messenger Platform wire shapes (docs/channels/messenger.md). Inbound fields are all optional: the body
 * is untrusted JSON and Meta adds fields over time, so the parser checks what it reads.
 */

export interface MessengerWebhookBody {
  object: 'page';
  entry: MessengerEntry[];
}

export interface MessengerEntry {
  id: string;
  time?: number;
  messaging?: MessagingItem[];
  /** Events for threads another app owns (handover protocol); same shape as `messaging`. */
  standby?: MessagingItem[];
  /** Page feed changes, when the app is subscribed to them; not conversations. */
  changes?: unknown[];
}

export interface MessagingItem {
  sender?: { id?: string };
  recipient?: { id?: string };
  timestamp?: number;
  message?: WireMessage;
  postback?: WirePostback;
  referral?: WireReferral;
  reaction?: WireReaction;
  delivery?: { mids?: string[]; watermark?: number };
  read?: { watermark?: number };
  [other: string]: unknown;
}

export interface WireMessage {
  mid?: string;
  text?: string;
  is_echo?: boolean;
  app_id?: number | string;
  metadata?: string;
  quick_reply?: { payload?: string };
  reply_to?: { mid?: string };
  attachments?: WireAttachment[];
  referral?: WireReferral;
  sticker_id?: number | string;
}

export interface WireAttachment {
  type?: string;
  title?: string;
  url?: string;
  payload?: {
    url?: string;
    title?: string;
    sticker_id?: number | string;
    coordinates?: { lat?: number; long?: number };
  } | null;
}

export interface WirePostback {
  mid?: string;
  title?: string;
  payload?: string;
  referral?: WireReferral;
}

export interface WireReferral {
  ref?: string;
  source?: string;
  type?: string;
  ad_id?: string;
  referer_uri?: string;
  ads_context_data?: Record<string, unknown>;
  product?: { id?: string };
}

export interface WireReaction {
  mid?: string;
  action?: string;
  reaction?: string;
  emoji?: string;
}

/** Send API request bodies (docs/channels/messenger.md). */
export interface SendApiBody {
  recipient: { id: string };
  messaging_type?: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
  tag?: string;
  message?: SendMessage;
  sender_action?: 'typing_on' | 'typing_off' | 'mark_seen' | 'react' | 'unreact';
  payload?: { message_id: string; reaction?: string };
}

export interface SendMessage {
  text?: string;
  attachment?: SendAttachment;
  quick_replies?: SendQuickReply[];
  reply_to?: { mid: string };
}

export type SendAttachment =
  | { type: 'image' | 'video' | 'audio' | 'file'; payload: { url: string } | { attachment_id: string } }
  | { type: 'template'; payload: ButtonTemplate | GenericTemplate };

export interface SendQuickReply {
  content_type: 'text';
  title: string;
  payload: string;
}

export interface ButtonTemplate {
  template_type: 'button';
  text: string;
  buttons: TemplateButton[];
}

export interface GenericTemplate {
  template_type: 'generic';
  elements: GenericElement[];
}

export interface GenericElement {
  title: string;
  subtitle?: string;
  image_url?: string;
  default_action?: { type: 'web_url'; url: string };
  buttons?: TemplateButton[];
}

export type TemplateButton =
  | { type: 'postback'; title: string; payload: string }
  | { type: 'web_url'; title: string; url: string }
  | { type: 'phone_number'; title: string; payload: string };
