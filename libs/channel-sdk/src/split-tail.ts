import { splitText } from './text';

/**
 * Split text for a message whose last part has a lower limit than the others: a button template
 * (Messenger 640 of 2,000) or an interactive body (WhatsApp 1,024 of 4,096). The tail is the
 * largest ending that fits `tailLimit`, cut where `splitText` would cut; everything before it is
 * split at `limit`. Nothing is lost: head parts + tail hold the whole text, in order.
 */
export function splitTextWithTail(text: string, limit: number, tailLimit: number): { head: string[]; tail: string } {
  const parts = splitText(text, limit);
  const last = parts.pop() ?? '';
  const tail = splitText(last, Math.min(limit, tailLimit)).pop() ?? '';
  const rest = last.slice(0, last.lastIndexOf(tail)).trimEnd();
  return { head: rest ? [...parts, ...splitText(rest, limit)] : parts, tail };
}
