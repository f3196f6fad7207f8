import type { EntityManager, ObjectLiteral } from 'typeorm';
import { ProblemException } from '@omni/service-kit';
import { ConversationEntity, MessageEntity } from '../domain/entities';
import { decodeCursor, encodeCursor, InvalidCursorError, type CursorPosition, type SortOrder } from './cursor';
import type { PageQuery } from './dto';
import { conversationView, messageView, type ConversationPageView, type MessagePageView } from './views';

export const DEFAULT_LIMIT = 50;

function position(query: PageQuery, order: SortOrder): CursorPosition | undefined {
  if (!query.cursor) return undefined;
  try {
    return decodeCursor(query.cursor, order);
  } catch (err) {
    if (err instanceof InvalidCursorError) {
      throw new ProblemException(400, 'Invalid request', 'The request has invalid fields.', [{ field: 'cursor', message: `cursor ${err.message}` }]);
    }
    throw err;
  }
}

/** Keyset pagination over (time column, id): stable under inserts, no offsets. */
async function page<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: new () => E,
  filter: { property: string; value: string },
  timeProperty: string,
  query: PageQuery,
): Promise<{ rows: E[]; next: CursorPosition | undefined; order: SortOrder }> {
  const order: SortOrder = query.order ?? 'asc';
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = position(query, order);
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  const qb = manager.createQueryBuilder(entity, 'r').where(`r.${filter.property} = :value`, { value: filter.value });
  if (after) qb.andWhere(`(r.${timeProperty}, r.id) ${order === 'asc' ? '>' : '<'} (:at, :id)`, { at: after.at, id: after.id });
  const rows = await qb.orderBy(`r.${timeProperty}`, direction).addOrderBy('r.id', direction).limit(limit + 1).getMany();
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1] as (E & { id: string }) | undefined;
  return { rows: kept, next: more && last ? { at: last[timeProperty] as Date, id: last.id } : undefined, order };
}

export async function messagePage(manager: EntityManager, filter: { property: 'contactId' | 'conversationId'; value: string }, query: PageQuery): Promise<MessagePageView> {
  const { rows, next, order } = await page(manager, MessageEntity, filter, 'occurredAt', query);
  return { items: rows.map(messageView), nextCursor: next ? encodeCursor(next, order) : null };
}

export async function conversationPage(manager: EntityManager, contactId: string, query: PageQuery): Promise<ConversationPageView> {
  const { rows, next, order } = await page(manager, ConversationEntity, { property: 'contactId', value: contactId }, 'openedAt', query);
  return { items: rows.map(conversationView), nextCursor: next ? encodeCursor(next, order) : null };
}
