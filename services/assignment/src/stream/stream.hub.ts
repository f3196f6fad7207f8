import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { Subject, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { LOGGER } from '@omni/messaging';
import type { Logger } from '@omni/observability';
import { streamChannel, type StreamNotice } from '../domain/events';

const RECONNECT_MS = 1_000;

/**
 * Fans the stream notices of every replica out to this replica's SSE clients. Handlers send them
 * with pg_notify inside their transaction, so a notice exists only if its change committed, and
 * whichever replica consumed the Kafka record, every replica's clients see it.
 */
@Injectable()
export class StreamHub implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly notices = new Subject<StreamNotice>();
  private client?: Client;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get stream(): Observable<StreamNotice> {
    return this.notices.asObservable();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.notices.complete();
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const options = this.dataSource.options as { url: string; schema: string };
    const client = new Client({ connectionString: options.url, application_name: 'omni-assignment-stream' });
    client.on('notification', (n) => {
      if (!n.payload) return;
      try {
        this.notices.next(JSON.parse(n.payload) as StreamNotice);
      } catch {
        this.logger.warn({ channel: n.channel }, 'unreadable stream notice dropped');
      }
    });
    client.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'stream listener lost its connection; reconnecting');
      void client.end().catch(() => undefined);
      setTimeout(() => void this.connect(), RECONNECT_MS).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${streamChannel(options.schema)}"`);
      this.client = client;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'stream listener could not connect; retrying');
      await client.end().catch(() => undefined);
      setTimeout(() => void this.connect(), RECONNECT_MS).unref();
    }
  }
}
