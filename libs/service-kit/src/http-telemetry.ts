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
      const route = (req.route?.path as string | undefined) ?? req.path;
      histogram.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
