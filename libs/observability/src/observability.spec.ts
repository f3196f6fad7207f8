import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { createLogger, maskFreeText, maskIdentifier, Metrics, startTelemetry, tracer, traceIdOf } from './index';

function captureLines(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l)) };
}

describe('observability', () => {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({ serviceName: 'obs-test', exporter });
  afterAll(() => telemetry.shutdown());

  it('writes JSON log lines with the active trace and span ids, redacting PII keys', () => {
    const { stream, lines } = captureLines();
    const logger = createLogger({ service: 'obs-test', destination: stream });
    tracer().startActiveSpan('work', (span) => {
      logger.info({ conversationId: 'c-1', text: 'my card is 4111', phone: '+33612345678' }, 'handled');
      span.end();
    });
    const [line] = lines();
    expect(line).toMatchObject({ level: 'info', service: 'obs-test', msg: 'handled', conversationId: 'c-1', text: '[redacted]', phone: '[redacted]' });
    expect(line!.trace_id).toMatch(/^[\da-f]{32}$/);
    expect(line!.span_id).toMatch(/^[\da-f]{16}$/);
    expect(exporter.getFinishedSpans().map((s) => s.spanContext().traceId)).toContain(line!.trace_id);
  });

  it('masks identifiers and phone numbers / e-mails in free text', () => {
    expect(maskIdentifier('6543210987654321')).toBe('********4321');
    expect(maskFreeText('call +33 6 12 34 56 78 or jo@example.com')).toBe('call [phone] or [email]');
  });

  it('keeps metrics per registry and renders Prometheus text', async () => {
    const a = new Metrics('svc-a', { defaultMetrics: false });
    const b = new Metrics('svc-b', { defaultMetrics: false });
    a.counter('omni_test_total', 'test').inc();
    a.counter('omni_test_total', 'test').inc();
    const rendered = await a.render();
    expect(rendered.body).toContain('omni_test_total{service="svc-a"} 2');
    expect((await b.render()).body).not.toContain('omni_test_total');
  });

  it('reads trace ids from traceparent values', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf('garbage')).toBeUndefined();
  });
});
