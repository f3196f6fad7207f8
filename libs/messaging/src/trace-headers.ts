import { context, propagation, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import { tracer } from '@omni/observability';

const getter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};
const setter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};

/** The trace context carried by a record's `traceparent`/`tracestate` headers. */
export function extractContext(headers: Record<string, string>, base: Context = context.active()): Context {
  return propagation.extract(base, headers, getter);
}

export function injectContext(headers: Record<string, string>, ctx: Context): void {
  propagation.inject(ctx, headers, setter);
}

/**
 * Starts a span named by OpenTelemetry messaging conventions ("<operation> <topic>"): PRODUCER for
 * publish, CONSUMER for process, with the messaging attributes plus `attributes` (undefined values
 * are left out). The caller ends it: the publisher when the record is acknowledged, or
 * withMessagingSpan when its function settles.
 */
export function startMessagingSpan(kind: 'publish' | 'process', topic: string, parent: Context, attributes: Record<string, string | number | boolean | undefined>): Span {
  const all: Record<string, string | number | boolean> = {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.operation.type': kind === 'publish' ? 'send' : 'process',
    'messaging.operation.name': kind,
  };
  for (const name in attributes) {
    const value = attributes[name];
    if (value !== undefined) all[name] = value;
  }
  return tracer('omni-messaging').startSpan(`${kind} ${topic}`, { kind: kind === 'publish' ? SpanKind.PRODUCER : SpanKind.CONSUMER, attributes: all }, parent);
}

/** Runs `fn` inside a messaging span (see startMessagingSpan) that ends when `fn` settles. */
export async function withMessagingSpan<T>(
  kind: 'publish' | 'process',
  topic: string,
  parent: Context,
  attributes: Record<string, string | number | boolean | undefined>,
  fn: (span: Span, ctx: Context) => Promise<T>,
): Promise<T> {
  const span = startMessagingSpan(kind, topic, parent, attributes);
  const ctx = trace.setSpan(parent, span);
  try {
    return await context.with(ctx, () => fn(span, ctx));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: 2, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}
