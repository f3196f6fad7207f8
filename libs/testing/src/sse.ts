import { waitFor } from './env';

export interface ServerSentEvent<T = unknown> {
  event: string;
  data: T;
}

export interface EventStream<T = unknown> {
  status: number;
  contentType: string | null;
  /** Every event received so far (JSON data), in order. */
  events: Array<ServerSentEvent<T>>;
  /** The first event (received or still to come) matching the predicate. */
  next(predicate: (e: ServerSentEvent<T>) => boolean, description: string, timeoutMs?: number): Promise<ServerSentEvent<T>>;
  close(): void;
}

/**
 * Opens a text/event-stream with fetch (so a bearer token can go in the header, which a browser
 * EventSource cannot do) and collects its events; `data` lines are parsed as JSON.
 */
export async function openEventStream<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<EventStream<T>> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal });
  const events: Array<ServerSentEvent<T>> = [];
  if (response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.replace(/^data: ?/, ''))
              .join('\n');
            if (data) events.push({ event, data: JSON.parse(data) as T });
          }
        }
      } catch {
        // closed
      }
    })();
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    next: (predicate, description, timeoutMs = 60_000) => waitFor(() => events.find(predicate), { timeoutMs, description }),
    close: () => controller.abort(),
  };
}
