import { randomBytes } from 'node:crypto';
import type { ChannelAdapter, ProviderRequest, ProviderResponse } from '@omni/channel-sdk';

/** Sends one provider request over HTTP (global fetch) and reads the answer; no retries here. */
export async function callProvider(adapter: ChannelAdapter, baseUrl: string, request: ProviderRequest, timeoutMs: number): Promise<ProviderResponse> {
  const spec = adapter.toHttp(request, { now: new Date(), nonce: randomBytes(16).toString('hex') });
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}${spec.pathAndQuery}`, {
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') || /^\s*[[{]/.test(text)) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  return { status: response.status, headers, body };
}
