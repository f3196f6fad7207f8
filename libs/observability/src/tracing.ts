import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { context, diag, propagation, trace, type Tracer } from '@opentelemetry/api';
import { CompositePropagator, getBooleanFromEnv, getStringListFromEnv, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, NoopSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Explicit exporter (tests pass an InMemorySpanExporter); otherwise chosen from OTEL_* env. */
  exporter?: SpanExporter;
}

export interface Telemetry {
  /** The running SDK; undefined when OTEL_SDK_DISABLED=true (a bare provider only keeps ids). */
  sdk?: NodeSDK;
  shutdown(): Promise<void>;
}

/** Requests that are neither traced nor timed: probes and scrapes. */
export function isUntracedHttpPath(path: string): boolean {
  return path.startsWith('/health') || path === '/metrics';
}

let active: Telemetry | undefined;

/**
 * Starts OpenTelemetry (NodeSDK) with the http, express, pg and NestJS instrumentations. Called from
 * the first import of every service's main.ts (`@omni/service-kit/telemetry`): the instrumentations
 * patch express, pg and @nestjs/core as they are required, so those must load after this. Idempotent.
 *
 * Export follows the standard variables, with one rule of ours: nothing is exported unless asked
 * for. OTEL_TRACES_EXPORTER=otlp|console|zipkin (comma list) or, with it unset, an
 * OTEL_EXPORTER_OTLP_ENDPOINT / _TRACES_ENDPOINT hands exporter construction to NodeSDK (protocol
 * from OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, http/protobuf by default; batching from OTEL_BSP_*).
 * With none of them, or OTEL_TRACES_EXPORTER=none, spans go nowhere — but trace ids are still
 * generated and propagated, so logs and Kafka headers stay correlated. OTEL_SDK_DISABLED=true skips
 * NodeSDK and the instrumentations, keeping only that id-generating provider. Sampling is
 * NodeSDK's: OTEL_TRACES_SAMPLER / _ARG, parentbased_always_on by default. Metrics and logs are
 * never exported through OpenTelemetry (metrics are prom-client's /metrics; logs are stdout).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (active) return active;
  const serviceName = process.env.OTEL_SERVICE_NAME || options.serviceName;
  const resource = defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_VERSION]: options.serviceVersion ?? '0.1.0' }));
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) {
    // NodeSDK would register nothing at all (no ids, no propagation); keep ids for correlation.
    const provider = new NodeTracerProvider({
      resource: resource.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })),
      spanProcessors: options.exporter ? [new SimpleSpanProcessor(options.exporter)] : [],
    });
    provider.register({ propagator });
    active = {
      async shutdown() {
        try {
          await provider.shutdown();
        } finally {
          unregisterGlobals();
          active = undefined;
        }
      },
    };
    return active;
  }

  // Loaded here, not at the top: everything importing @omni/observability would pay for NodeSDK
  // (it eagerly loads every exporter it can build, gRPC included) and for the instrumentations.
  const { NodeSDK: SDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { NestInstrumentation } = require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');

  const instrumentations: InstrumentationBase[] = [
    // SERVER spans continuing an incoming traceparent; CLIENT spans for node:http calls.
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => isUntracedHttpPath((req.url ?? '/').split('?')[0]!) }),
    // Only names the SERVER span / http.route after the matched route ("POST /webhooks/messenger"):
    // per-layer spans would double the NestJS request spans below and add one per middleware.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER] }),
    // Queries only under an existing span (a request, a Kafka handler): pool housekeeping and the
    // outbox relay's polling make no root spans. Statement text without parameter values. No
    // spans for taking a pooled connection: one per transaction, on the hot path, and the time
    // they measure (pool waits) is already the gap before the transaction's first query.
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false, ignoreConnectSpans: true }),
    // "<Controller>.<handler>" request spans, and the app-creation span.
    new NestInstrumentation(),
  ];

  const sdk = new SDK({
    serviceName,
    resource,
    // Resource detection (OTEL_NODE_RESOURCE_DETECTORS, default env+process+host) resolves host.id
    // asynchronously, and a SimpleSpanProcessor holds spans back until it has: tests handing in an
    // exporter read their spans right away, so they get the plain resource.
    autoDetectResources: !options.exporter,
    textMapPropagator: propagator,
    instrumentations,
    ...traceExport(options.exporter),
    // Without these NodeSDK would build OTLP metric and log exporters aimed at localhost:4318.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  patchLoadedModules(instrumentations);
  active = {
    sdk,
    async shutdown() {
      try {
        await sdk.shutdown(); // flushes pending exports; rejects when they fail
      } finally {
        for (const instrumentation of instrumentations) instrumentation.disable();
        unregisterGlobals();
        active = undefined;
      }
    },
  };
  return active;
}

/**
 * Span processors for NodeSDK: the explicit exporter; or none (so NodeSDK builds them from
 * OTEL_TRACES_EXPORTER and the OTLP variables); or a no-op one when nothing is to be exported.
 * NodeSDK alone would export OTLP to localhost:4318 when nothing is set, and would register no
 * tracer provider at all (so no trace ids) for OTEL_TRACES_EXPORTER=none.
 */
function traceExport(exporter: SpanExporter | undefined): { spanProcessors?: SpanProcessor[] } {
  if (exporter) return { spanProcessors: [new SimpleSpanProcessor(exporter)] };
  const names = (getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? []).filter((n) => n !== 'null');
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (names.length === 0) return endpoint ? {} : { spanProcessors: [new NoopSpanProcessor()] };
  // NodeSDK reads "none" only in first place ("none,otlp" means otlp) and drops unknown names.
  if (names[0] === 'none') return { spanProcessors: [new NoopSpanProcessor()] };
  if (names.some((n) => n === 'otlp' || n === 'console' || n === 'zipkin')) return {};
  diag.warn(`OTEL_TRACES_EXPORTER=${names.join(',')}: no supported exporter (otlp, console, zipkin, none); spans are not exported`);
  return { spanProcessors: [new NoopSpanProcessor()] };
}

/**
 * The instrumentations patch modules from a hook on Node's CommonJS loader. A module that was loaded
 * before that hook existed, or through a loader that bypasses it (jest's module registry never calls
 * Module.prototype.require), is not patched by it: patch the ones already loaded here, as the hook
 * would have. With main.ts's ordering nothing of the kind is loaded yet and this changes nothing.
 */
function patchLoadedModules(instrumentations: InstrumentationBase[]): void {
  for (const instrumentation of instrumentations) {
    const onRequire = (instrumentation as unknown as { _onRequire?: (module: unknown, exports: unknown, name: string, baseDir?: string) => unknown })._onRequire;
    if (typeof onRequire !== 'function') continue;
    for (const definition of instrumentation.getModuleDefinitions()) {
      try {
        if (isBuiltin(definition.name)) {
          // Through Node's loader this require is what lets the hook patch (moduleExports gets set).
          const exports = require(definition.name) as unknown;
          if (!definition.moduleExports) onRequire.call(instrumentation, definition, exports, definition.name);
          continue;
        }
        const main = loaded(definition.name);
        if (!main) continue; // not loaded yet: the hook patches it when it is
        const marker = join('node_modules', definition.name);
        if (!main.path.includes(marker)) continue;
        const baseDir = main.path.slice(0, main.path.lastIndexOf(marker) + marker.length);
        if (!definition.moduleExports) onRequire.call(instrumentation, definition, main.exports, definition.name, baseDir);
        for (const file of definition.files) {
          const internal = loaded(file.name);
          if (internal && !file.moduleExports) onRequire.call(instrumentation, definition, internal.exports, file.name, baseDir);
        }
      } catch (err) {
        diag.warn(`could not instrument already-loaded ${definition.name}: ${(err as Error).message}`);
      }
    }
  }
}

function loaded(request: string): { path: string; exports: unknown } | undefined {
  let path: string;
  try {
    path = require.resolve(request);
  } catch {
    return undefined;
  }
  const cached = require.cache[path];
  return cached ? { path, exports: cached.exports } : undefined;
}

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
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
