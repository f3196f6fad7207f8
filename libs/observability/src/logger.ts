import pino, { type DestinationStream, type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';
import { currentTraceIds } from './tracing';
import { maskFreeText, redactLogValue, scrubErrorText } from './pii';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go (stdout by default); tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/**
 * JSON logs, one line per event, each carrying the active trace_id/span_id so a log line can be
 * found from a trace and vice versa. Known PII/secret keys are redacted wherever they appear.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      // Redaction by key at any depth (pino's path redaction only reaches the paths listed).
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactLogValue(object) as Record<string, unknown>,
        bindings: (bindings) => redactLogValue(bindings) as Record<string, unknown>,
      },
      // The message string itself can carry error text: scrubbed like any error field.
      hooks: {
        logMethod(args, method) {
          const last = args.length - 1;
          if (typeof args[last] === 'string') args[last] = scrubErrorText(args[last] as string, 1_000);
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
      // Errors are rendered (scrubbed) by redactLogValue above; pino's own err serializer would re-read them.
      serializers: { err: (err: unknown) => err },
      mixin: () => currentTraceIds(),
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Adapts the JSON logger to Nest's LoggerService so framework messages are JSON too. */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    const contextName = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    this.logger[level]({ context: contextName }, maskFreeText(text));
  }
}
