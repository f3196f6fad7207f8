import { startTelemetry } from '@omni/observability';
import type { BaseServiceConfig } from './config';
import { ConfigError } from './config';
import { startService, type ServiceDefinition } from './bootstrap';

/**
 * What a service's main.ts calls: start, exit 1 with a clear message on bad config. On SIGTERM or
 * SIGINT: graceful shutdown (drain Kafka batches, last outbox drain, close connections), then the
 * last spans are flushed, then exit 0. A second signal exits at once.
 */
export function runService<C extends BaseServiceConfig>(definition: ServiceDefinition<C>): void {
  startService(definition).then(
    (running) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) process.exit(1);
        stopping = true;
        running.logger.info({ signal }, 'shutting down');
        void running
          .close()
          .catch((err: Error) => running.logger.error({ err: { message: err.message } }, 'shutdown failed'))
          .then(() => startTelemetry({ serviceName: definition.name }).shutdown())
          .catch(() => undefined)
          .then(() => process.exit(0));
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err: Error) => {
      const message = err instanceof ConfigError ? err.message : `${definition.name} failed to start: ${err.message}`;
      process.stderr.write(`${JSON.stringify({ level: 'fatal', service: definition.name, msg: message })}\n`);
      process.exit(1);
    },
  );
}
