import { Webhook } from 'standardwebhooks';
import type { CloudEventJson } from '@omni/contracts';

export interface SendResult {
  ok: boolean;
  status: number | null;
  /** Short reason for logs and the dead-letter list (no body content: it may hold personal data). */
  error?: string;
}

/** The Standard Webhooks headers for one body (`webhook-id` stays the same across retries and replays). */
export function signedHeaders(secret: string, webhookId: string, body: string, at: Date): Record<string, string> {
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(webhookId, at, body),
  };
}

/**
 * POSTs one CloudEvent, signed per the Standard Webhooks specification with the maintained
 * `standardwebhooks` library. Any 2xx is success; redirects are not followed (a moved endpoint is
 * a failure the CRM must fix, and following would send the signed body elsewhere).
 */
export async function sendEvent(url: string, secret: string, event: CloudEventJson, timeoutMs: number): Promise<SendResult> {
  const body = JSON.stringify(event);
  // The signature's timestamp is the wall clock on purpose: receivers compare it with theirs to
  // refuse replayed requests (5 min tolerance), whatever clock schedules the retries.
  const headers = { 'content-type': 'application/cloudevents+json', 'user-agent': 'omni-crm-webhooks/1', ...signedHeaders(secret, event.id, body, new Date()) };
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    // Drain the body so the connection is reused; its content is not kept.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (e.cause?.code ?? e.name ?? 'network error');
    return { ok: false, status: null, error: reason };
  }
}
