/**
 * WhatsApp Cloud API wire shapes (docs/channels/whatsapp.md). Inbound fields are optional: the body is
 * untrusted and Meta adds fields over time, so the parser checks what it reads.
 */

export interface WhatsAppWebhookBody {
  object: 'whatsapp_business_account';
  entry: WhatsAppEntry[];
}

export interface WhatsAppEntry {
  /** The WhatsApp Business Account (WABA) id. */
  id: string;
  changes: WhatsAppChange[];
}

export interface WhatsAppChange {
  field: string;
  value: ChangeValue;
}

export interface ChangeValue {
  messaging_product?: string;
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  contacts?: Array<{ profile?: { name?: string }; wa_id?: string }>;
  messages?: WireMessage[];
  statuses?: WireStatus[];
  errors?: WireError[];
  user_preferences?: WireUserPreference[];
  [other: string]: unknown;
}

export interface WireError {
  code?: number;
  title?: string;
  message?: string;
  error_data?: { details?: string };
}

export interface WireMedia {
  id?: string;
  mime_type?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  animated?: boolean;
  voice?: boolean;
  url?: string;
}

export interface WireContactCard {
  name?: { formatted_name?: string; first_name?: string; last_name?: string };
  phones?: Array<{ phone?: string; type?: string; wa_id?: string }>;
  emails?: Array<{ email?: string; type?: string }>;
  org?: { company?: string };
}

export interface WireMessage {
  from?: string;
  id?: string;
  timestamp?: string;
  type?: string;
  context?: { from?: string; id?: string; forwarded?: boolean };
  referral?: Record<string, unknown>;
  text?: { body?: string };
  image?: WireMedia;
  video?: WireMedia;
  audio?: WireMedia;
  document?: WireMedia;
  sticker?: WireMedia;
  location?: { latitude?: number; longitude?: number; name?: string; address?: string; url?: string };
  contacts?: WireContactCard[];
  interactive?: {
    type?: string;
    button_reply?: { id?: string; title?: string };
    list_reply?: { id?: string; title?: string; description?: string };
  };
  button?: { payload?: string; text?: string };
  reaction?: { message_id?: string; emoji?: string };
  errors?: WireError[];
  [other: string]: unknown;
}

export interface WireStatus {
  id?: string;
  status?: string;
  timestamp?: string;
  recipient_id?: string;
  biz_opaque_callback_data?: string;
  errors?: WireError[];
  [other: string]: unknown;
}

/** UNVERIFIED shape (docs/channels/whatsapp.md names the `user_preferences` webhook without its body). */
export interface WireUserPreference {
  wa_id?: string;
  detail?: string;
  category?: string;
  value?: string;
  timestamp?: number | string;
}

/** Cloud API send bodies (docs/channels/whatsapp.md). */
export interface SendBody {
  messaging_product: 'whatsapp';
  recipient_type?: 'individual';
  to?: string;
  type?: string;
  context?: { message_id: string };
  biz_opaque_callback_data?: string;
  [payload: string]: unknown;
}

export interface InteractiveRow {
  id: string;
  title: string;
  description?: string;
}
