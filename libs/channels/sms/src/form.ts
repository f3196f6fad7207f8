import { MalformedPayloadError, parseForm } from '@omni/channel-sdk';

/** A Twilio form body with first-value lookup; Twilio sends each field once (we ignore unknown keys). */
export class TwilioForm {
  private readonly values = new Map<string, string>();

  constructor(body: Buffer | string) {
    for (const [name, value] of parseForm(body)) if (!this.values.has(name)) this.values.set(name, value);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  require(name: string): string {
    const value = this.values.get(name);
    if (!value) throw new MalformedPayloadError(`Twilio form field ${name} is missing`, name);
    return value;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** MessageSid, or the legacy SmsSid / SmsMessageSid names older callbacks still use. */
  messageSid(): string {
    const sid = this.get('MessageSid') ?? this.get('SmsMessageSid') ?? this.get('SmsSid');
    if (!sid) throw new MalformedPayloadError('Twilio form has no MessageSid', 'MessageSid');
    return sid;
  }
}

/** Status callbacks are posted to …/status; anything else posted by Twilio is an inbound message. */
export function isStatusCallback(webhookPath: string, form: TwilioForm): boolean {
  if (/\/status\/?$/.test(webhookPath)) return true;
  if (/\/sms\/?$/.test(webhookPath)) return false;
  return form.has('MessageStatus') && !form.has('Body') && !form.has('NumMedia');
}
