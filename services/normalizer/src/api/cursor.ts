/**
 * Opaque pagination cursors: base64url of the last row's sort key (time, id) and the order it was
 * read in. Clients pass them back unchanged; anything else is a 400 on `cursor`.
 */
import { isUuid } from '@omni/messaging';

export type SortOrder = 'asc' | 'desc';

export interface CursorPosition {
  at: Date;
  id: string;
}

export class InvalidCursorError extends Error {}

export function encodeCursor(position: CursorPosition, order: SortOrder): string {
  return Buffer.from(JSON.stringify({ v: 1, o: order, t: position.at.toISOString(), i: position.id })).toString('base64url');
}

export function decodeCursor(cursor: string, order: SortOrder): CursorPosition {
  let parsed: { v?: unknown; o?: unknown; t?: unknown; i?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw new InvalidCursorError('is not a cursor this API returned');
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.v !== 1 || typeof parsed.t !== 'string' || !isUuid(parsed.i)) {
    throw new InvalidCursorError('is not a cursor this API returned');
  }
  if (parsed.o !== order) throw new InvalidCursorError(`was returned for order=${String(parsed.o)}, not order=${order}`);
  const at = new Date(parsed.t);
  if (Number.isNaN(at.getTime())) throw new InvalidCursorError('is not a cursor this API returned');
  return { at, id: parsed.i };
}
