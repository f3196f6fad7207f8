import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time string comparison; unequal lengths are rejected first without leaking content. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

export function hmacHex(algorithm: 'sha1' | 'sha256', secret: string, data: Buffer | string): string {
  return createHmac(algorithm, secret).update(data).digest('hex');
}

export function hmacBase64(algorithm: 'sha1' | 'sha256', secret: string, data: Buffer | string): string {
  return createHmac(algorithm, secret).update(data).digest('base64');
}
