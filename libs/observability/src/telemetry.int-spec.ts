import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import 'express'; // as bootstrap.ts does; Nest would otherwise load it after telemetry started
import { Pool } from 'pg';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { testEnv } from '@omni/testing';
import { currentTraceIds, startTelemetry, tracer } from './index';

// express, pg and @nestjs/core are loaded above, before telemetry starts, and through jest's module
// registry, which the instrumentations' require hook never sees: startTelemetry patches them anyway.
const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'telemetry-test', exporter });

function traceparent(): { traceId: string; spanId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

const spansOf = (traceId: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

describe('telemetry (NodeSDK + instrumentations)', () => {
  const pool = new Pool({ connectionString: testEnv().databaseUrl, max: 2 });
  afterAll(async () => {
    await pool.end();
    await telemetry.shutdown();
  });

  it('is idempotent: a second start returns the running telemetry', () => {
    expect(startTelemetry({ serviceName: 'other', exporter: new InMemorySpanExporter() })).toBe(telemetry);
  });

  it('makes a pg query inside a Kafka-style CONSUMER span a child of it, without parameter values', async () => {
    const incoming = traceparent();
    // As withMessagingSpan does for a consumed record: parent from its headers, span made active.
    const parent = propagation.extract(context.active(), { traceparent: incoming.header });
    const span = tracer('omni-messaging').startSpan('process omni.test.v1', { kind: SpanKind.CONSUMER }, parent);
    await context.with(trace.setSpan(parent, span), () => pool.query('SELECT $1::text AS secret', ['4111111111111111']));
    span.end();
    await pool.query('SELECT 1'); // no active span: requireParentSpan keeps this out

    const spans = spansOf(incoming.traceId);
    const query = spans.find((s) => s.name.startsWith('pg.query'));
    expect(query).toBeDefined();
    expect(query!.name).toMatch(/^pg\.query:SELECT/);
    expect(query!.kind).toBe(SpanKind.CLIENT);
    expect(query!.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(incoming.traceId);
    expect(JSON.stringify(query!.attributes)).not.toContain('4111111111111111');
    expect(Object.values(query!.attributes)).toContain('SELECT $1::text AS secret');
    // Taking a pooled connection makes no span of its own (one per transaction, no information).
    expect(spans.map((s) => s.name).filter((name) => name.includes('connect'))).toEqual([]);
    const roots = exporter.getFinishedSpans().filter((s) => s.name.startsWith('pg.') && !s.parentSpanContext);
    expect(roots).toEqual([]);
  });

  it('continues an incoming traceparent in a SERVER span named after the route; handlers run inside it', async () => {
    const seen: Array<{ trace_id?: string }> = [];
    @Controller()
    class ThingsController {
      @Post('things/:id')
      create() {
        seen.push(currentTraceIds());
        return { ok: true };
      }

      @Get('health/live')
      live() {
        return { status: 'ok' };
      }
    }
    @Module({ controllers: [ThingsController] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = app.getHttpServer().address() as { port: number };
      const incoming = traceparent();
      const response = await fetch(`http://127.0.0.1:${port}/things/42`, { method: 'POST', headers: { traceparent: incoming.header } });
      expect(response.status).toBe(201);
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);

      expect(seen).toEqual([expect.objectContaining({ trace_id: incoming.traceId })]);
      const spans = spansOf(incoming.traceId);
      const server = spans.find((s) => s.kind === SpanKind.SERVER);
      expect(server).toMatchObject({ name: 'POST /things/:id' });
      expect(server!.parentSpanContext?.spanId).toBe(incoming.spanId);
      expect(server!.attributes['http.route']).toBe('/things/:id');
      expect(server!.attributes['http.response.status_code']).toBe(201);
      // NestJS request spans sit under it, in the same trace.
      expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['ThingsController.create', 'create']));
      // Probes are not traced.
      expect(exporter.getFinishedSpans().some((s) => String(s.attributes['url.path'] ?? '').startsWith('/health'))).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('in plain Node, with telemetry loaded first (main.ts order), the require hook instruments express, pg and Nest', async () => {
    const script = `
      const tracing = require(${JSON.stringify(join(__dirname, 'tracing.ts'))});
      const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-node');
      const exporter = new InMemorySpanExporter();
      const telemetry = tracing.startTelemetry({ serviceName: 'hook-test', exporter });
      const express = require('express');
      const { Pool } = require('pg');
      const { isWrapped } = require('@opentelemetry/instrumentation');
      (async () => {
        const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
        const app = express();
        app.get('/items/:id', async (req, res) => { await pool.query('SELECT 1'); res.json({ ok: true }); });
        const server = app.listen(0, '127.0.0.1');
        await new Promise((resolve) => server.once('listening', resolve));
        const traceId = ${JSON.stringify(randomBytes(16).toString('hex'))};
        await fetch('http://127.0.0.1:' + server.address().port + '/items/7', { headers: { traceparent: '00-' + traceId + '-00f067aa0ba902b7-01' } });
        server.close();
        await pool.end();
        const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
        const patched = {
          pg: isWrapped(require('pg').Client.prototype.query),
          nest: isWrapped(require('@nestjs/core/router/router-execution-context.js').RouterExecutionContext.prototype.create),
        };
        process.stdout.write(JSON.stringify({ patched, spans: spans.map((s) => ({ name: s.name, kind: s.kind, parent: s.parentSpanContext && s.parentSpanContext.spanId, id: s.spanContext().spanId })) }));
        await telemetry.shutdown();
      })().catch((err) => { console.error(err); process.exit(1); });
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: join(__dirname, '../../..'),
      env: { ...process.env, DATABASE_URL: testEnv().databaseUrl },
      timeout: 120_000,
    });
    const result = JSON.parse(stdout) as { patched: Record<string, boolean>; spans: Array<{ name: string; kind: number; parent?: string; id: string }> };
    expect(result.patched).toEqual({ pg: true, nest: true });
    const server = result.spans.find((s) => s.kind === SpanKind.SERVER);
    expect(server).toMatchObject({ name: 'GET /items/:id', parent: '00f067aa0ba902b7' });
    const query = result.spans.find((s) => s.name.startsWith('pg.query:SELECT'));
    expect(query?.parent).toBe(server!.id);
  }, 300_000); // child Node processes: a cold start with swc and the SDK is slow on a loaded CI box

  it('exports only when asked to by OTEL_* variables, and always generates trace ids', async () => {
    const script = `
      const { metrics, trace } = require('@opentelemetry/api');
      const tracing = require(${JSON.stringify(join(__dirname, 'tracing.ts'))});
      const telemetry = tracing.startTelemetry({ serviceName: 'env-test' });
      const span = tracing.tracer().startSpan('probe');
      const delegate = trace.getTracerProvider().getDelegate();
      const inspected = require('node:util').inspect(delegate, { depth: 3 });
      process.stdout.write(JSON.stringify({
        provider: delegate.constructor.name,
        processors: (/spanProcessors: \\[([^\\]]*)\\]/.exec(inspected) || [, ''])[1].replace(/[\\s']/g, '').split(',').filter(Boolean),
        validIds: trace.isSpanContextValid(span.spanContext()),
        sampled: span.spanContext().traceFlags === 1,
        meterProvider: metrics.getMeterProvider().constructor.name,
        sdk: Boolean(telemetry.sdk),
        // Exporter, propagator and config-file packages loaded (patches/@opentelemetry+sdk-node*.patch
        // makes NodeSDK require them on first use; unpatched it loads all of them, always).
        loaded: [...new Set(Object.keys(require.cache).map((f) => (/@opentelemetry[/](exporter-[^/]+|configuration|propagator-[^/]+)[/]/.exec(f) || [])[1]).filter(Boolean))].sort(),
      }));
      process.exit(0); // nothing to flush: the OTLP case points at a closed port
    `;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    const run = async (env: Record<string, string>) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: join(__dirname, '../../..'), env: { ...clean, ...env }, timeout: 120_000 });
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    const cases: Array<[Record<string, string>, Record<string, unknown>]> = [
      // NodeSDK alone would export OTLP to localhost:4318 here, and start metric and log exporters.
      [{}, { processors: ['NoopSpanProcessor'], validIds: true, sampled: true, meterProvider: 'NoopMeterProvider', sdk: true, loaded: [] }],
      // NodeSDK alone would register no tracer provider here: no ids at all.
      [{ OTEL_TRACES_EXPORTER: 'none' }, { processors: ['NoopSpanProcessor'], validIds: true }],
      [{ OTEL_TRACES_EXPORTER: 'console' }, { processors: ['SimpleSpanProcessor'], validIds: true }],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, { processors: ['BatchSpanProcessor'], validIds: true, meterProvider: 'NoopMeterProvider', loaded: ['exporter-trace-otlp-proto'] }],
      // The exporter a deployment picks is still there, loaded when NodeSDK builds it.
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, { processors: ['BatchSpanProcessor'], loaded: ['exporter-trace-otlp-grpc'] }],
      [{ OTEL_TRACES_EXPORTER: 'zipkin' }, { processors: ['BatchSpanProcessor'], loaded: ['exporter-zipkin'] }],
      [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, { provider: 'NodeTracerProvider', validIds: true, sdk: false }],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, { validIds: true, sampled: false }],
    ];
    const results = await Promise.all(cases.map(([env]) => run(env)));
    results.forEach((result, i) => expect({ env: cases[i]![0], ...result }).toMatchObject({ env: cases[i]![0], ...cases[i]![1] }));
  }, 300_000); // child Node processes: a cold start with swc and the SDK is slow on a loaded CI box
});
