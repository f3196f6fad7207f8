// Imported first by every main.ts: tracing must be registered before anything else loads.
import { startTelemetry } from '@omni/observability';

startTelemetry({ serviceName: process.env.OTEL_SERVICE_NAME ?? process.env.SERVICE ?? 'omni' });
