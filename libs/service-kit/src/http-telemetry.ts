import type { NextFunction, Request, Response } from 'express';
import { isUntracedHttpPath, type Metrics } from '@omni/observability';

/**
 * Express middleware recording `omni_http_request_seconds` (method, route, status) per request.
 * Metrics only: the SERVER span (continuing an incoming `traceparent`, so a webhook's Kafka records
 * join the caller's trace) comes from the OpenTelemetry http instrumentation started in
 * `@omni/service-kit/telemetry`. Health and metrics endpoints are not timed, as they are not traced.
 */
export function httpMetrics(metrics: Metrics) {
  const histogram = metrics.histogram('omni_http_request_seconds', 'HTTP request duration', ['method', 'route', 'status']);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isUntracedHttpPath(req.path)) return next();
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      histogram.observe({ method: req.method, route: routeLabel(req), status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

/** The route label for a request: no matched route means no label of the caller's choosing. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The matched route's template (`/contacts/:id`, `/webhooks/*path`), or "unmatched" (404s, bodies
 * refused before routing): never the raw path, which a caller could vary to create a time series
 * per request.
 */
export function routeLabel(req: Pick<Request, 'route' | 'baseUrl'>): string {
  const template: unknown = req.route?.path;
  return typeof template === 'string' ? `${req.baseUrl ?? ''}${template}` : UNMATCHED_ROUTE;
}
