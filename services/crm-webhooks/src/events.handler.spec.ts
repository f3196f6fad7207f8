import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { WEBHOOK_TOPICS } from '@omni/contracts';
import { EventsHandler } from './events.handler';

describe('EventsHandler', () => {
  it('consumes exactly the webhook topics of the registry', () => {
    const proto = EventsHandler.prototype as unknown as Record<string, unknown>;
    const patterns = Object.getOwnPropertyNames(proto)
      .map((name) => Reflect.getMetadata(PATTERN_METADATA, proto[name] as object) as string[] | undefined)
      .filter((p): p is string[] => Array.isArray(p))
      .flat();
    expect(patterns.sort()).toEqual(WEBHOOK_TOPICS.map((t) => t.name).sort());
  });
});
