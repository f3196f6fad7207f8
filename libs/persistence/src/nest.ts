import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BATCH_SCOPE, EventConsumer, EventPublisher, LOGGER } from '@omni/messaging';
import { HealthRegistry, Metrics, type Logger } from '@omni/observability';
import { DEFAULT_POOL_SIZE, openDataSource, type DatabaseSettings } from './database';
import { CommandSlots, commandSlotsFor } from './command-slots';
import { DEFAULT_INBOX_RETENTION_HOURS, InboxPruner } from './inbox-pruner';
import { OutboxRelay } from './outbox';
import { BatchUnitOfWorkScope, UnitOfWork } from './unit-of-work';

@Injectable()
class PersistenceLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly health: HealthRegistry,
    private readonly consumer: EventConsumer,
    private readonly pruner: InboxPruner,
  ) {}

  onApplicationBootstrap(): void {
    this.health.register({ name: 'postgres', check: async () => void (await this.dataSource.query('SELECT 1')) });
    this.relay.start();
    this.pruner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // The consumer drains first (its last batches write outbox rows), then the relay publishes
    // what is left and stops. Stopping the consumer twice is harmless.
    await this.consumer.stop();
    await this.relay.stop();
    await this.pruner.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * PostgreSQL for a Nest service: the DataSource on its own schema (migrations run at start-up),
 * a UnitOfWork (inbox + outbox in one transaction), the consumer's batch scope (one transaction
 * per batch of records) and the outbox relay. Needs MessagingModule
 * and the service kit's global providers.
 */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(settings: DatabaseSettings & { service: string; outboxPollMs?: number; inboxRetentionHours?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: DataSource, useFactory: () => openDataSource(settings) },
        {
          provide: OutboxRelay,
          inject: [DataSource, EventPublisher, LOGGER, Metrics],
          useFactory: (ds: DataSource, publisher: EventPublisher, logger: Logger, metrics: Metrics) =>
            new OutboxRelay(ds, publisher, logger, metrics, { pollMs: settings.outboxPollMs }),
        },
        {
          provide: UnitOfWork,
          inject: [DataSource, OutboxRelay],
          useFactory: (ds: DataSource, relay: OutboxRelay) =>
            new UnitOfWork(ds, relay, `omni/${settings.service}`, settings.service, new CommandSlots(commandSlotsFor(settings.poolSize ?? DEFAULT_POOL_SIZE))),
        },
        { provide: BATCH_SCOPE, inject: [UnitOfWork], useFactory: (uow: UnitOfWork) => new BatchUnitOfWorkScope(uow) },
        {
          provide: InboxPruner,
          inject: [DataSource, LOGGER, Metrics],
          useFactory: (ds: DataSource, logger: Logger, metrics: Metrics) =>
            new InboxPruner(ds, logger, metrics, { retentionMs: (settings.inboxRetentionHours ?? DEFAULT_INBOX_RETENTION_HOURS) * 3_600_000 }),
        },
        PersistenceLifecycle,
      ],
      exports: [DataSource, UnitOfWork, OutboxRelay, BATCH_SCOPE, InboxPruner],
    };
  }
}

export { Inject };
