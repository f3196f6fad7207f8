import type { BaseServiceConfig } from './config';
import { ConfigError } from './config';
import { startService, type ServiceDefinition } from './bootstrap';

/** What a service's main.ts calls: start, exit 1 with a clear message on bad config. */
export function runService<C extends BaseServiceConfig>(definition: ServiceDefinition<C>): void {
  startService(definition, { handleSignals: true }).catch((err: Error) => {
    const message = err instanceof ConfigError ? err.message : `${definition.name} failed to start: ${err.message}`;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: definition.name, msg: message })}\n`);
    process.exit(1);
  });
}
