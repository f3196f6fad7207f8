import type { NextFunction, Request, Response } from 'express';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { tracer, type Metrics } from '@omni/observability';

const headerGetter = {
  keys: (carrier: Request['headers']) => Object.keys(carrier),
  get: (carrier: Request['headers'], key: string) => carrier[key] as string | undefined,
};

/**
 * Express middleware: a SERVER span per request (continuing an incoming `traceparent`), so every
 * effect of a webhook — the Kafka record it writes included — joins the caller's trace; plus a
 * request-duration histogram. Health and metrics endpoints are not traced.
 */
export function httpTelemetry(metrics: Metrics) {
  const histogram = metrics.histogram('omni_http_request_seconds', 'HTTP request duration', ['method', 'route', 'status']);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/health') || req.path === '/metrics') return next();
    const parent = propagation.extract(context.active(), req.headers, headerGetter);
    const span = tracer('omni-http').startSpan(`${req.method} ${req.path}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, 'url.path': req.path },
    }, parent);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? req.path;
      span.setAttribute('http.response.status_code', res.statusCode);
      span.setAttribute('http.route', route);
      if (res.statusCode >= 500) span.setStatus({ code: 2 });
      span.end();
      histogram.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
