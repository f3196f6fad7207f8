import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator, CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Explicit exporter (tests pass an InMemorySpanExporter); otherwise chosen from OTEL_* env. */
  exporter?: SpanExporter;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  provider: NodeTracerProvider;
  shutdown(): Promise<void>;
}

let active: Telemetry | undefined;

/**
 * Starts OpenTelemetry tracing. Called from the first import of every service's main.ts so that
 * everything loaded afterwards runs with a real tracer provider and W3C propagation.
 *
 * Exporter choice follows the standard variables: OTEL_SDK_DISABLED=true turns export off (trace
 * ids are still generated and propagated so logs and Kafka headers stay correlated);
 * OTEL_TRACES_EXPORTER=console prints spans; OTEL_EXPORTER_OTLP_ENDPOINT / _TRACES_ENDPOINT enable
 * OTLP over HTTP. With none of them set, spans are not exported.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (active) return active;
  const env = options.env ?? process.env;
  const processors: SpanProcessor[] = [];
  const exporterKind = (env.OTEL_TRACES_EXPORTER ?? '').toLowerCase();
  const disabled = (env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true' || exporterKind === 'none';
  if (options.exporter) {
    processors.push(new SimpleSpanProcessor(options.exporter));
  } else if (!disabled && exporterKind === 'console') {
    processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  } else if (!disabled && (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) {
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? '0.1.0',
    }),
    spanProcessors: processors,
  });
  provider.register({
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  });
  active = {
    provider,
    async shutdown() {
      await provider.shutdown();
      active = undefined;
    },
  };
  return active;
}

export function tracer(name = 'omni'): Tracer {
  return trace.getTracer(name);
}

/** The active span's W3C ids, for log lines and problem responses. */
export function currentTraceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  const ctx = span?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/** Parse the trace id out of a `traceparent` header value. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent ?? '');
  return match?.[1];
}

export { context, propagation, trace };
