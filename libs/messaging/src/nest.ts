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
import { BaseRpcContext, EventPattern, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ALL_TOPICS, type TopicDefinition } from '@omni/contracts';
import { HealthRegistry, Metrics, type Logger } from '@omni/observability';
import { BATCH_SCOPE, type BatchScope } from './batch-scope';
import { KafkaConnection } from './connection';
import { EventConsumer, type ConsumedEvent } from './consumer';
import { EventPublisher } from './publisher';
import type { KafkaSettings } from './settings';

export const LOGGER = Symbol('omni.logger');
const TOPIC_EXTRA = 'omniTopic';

export interface OnTopicOptions {
  /**
   * Apply a partition's records in one database transaction and commit once (default true).
   * Set false for handlers with effects outside the database, e.g. provider calls.
   */
  batch?: boolean;
}

/**
 * Declares a controller method as the handler of a registry topic:
 * `@OnTopic(Topics.messageNormalized) onMessage(event: ConsumedEvent<Message>)`.
 * A thin layer over Nest's `@EventPattern` (so interceptors, guards, pipes and exception filters
 * apply); it also carries the topic definition (for decoding) and the batching choice. A plain
 * `@EventPattern('omni.message.normalized.v1')` works too, with the defaults.
 * Resolving means the effect is durable; throwing makes the transport retry, then dead-letter.
 */
export const OnTopic = (topic: TopicDefinition, options: OnTopicOptions = {}): MethodDecorator =>
  EventPattern(topic.name, { [TOPIC_EXTRA]: topic, batch: options.batch ?? true });

/** The RPC context Nest hands to handlers (`@Ctx()`), e.g. for interceptors that log offsets. */
export class KafkaEventContext extends BaseRpcContext<[ConsumedEvent<unknown>]> {
  getEvent(): ConsumedEvent<unknown> {
    return this.args[0];
  }
}

/**
 * Omni's Nest microservice transport over Kafka (a `CustomTransportStrategy`). Nest's built-in
 * `Transport.KAFKA` is not used on purpose: it commits offsets automatically, speaks JSON and has no
 * dead-letter queue. This one feeds every `@OnTopic`/`@EventPattern` handler through EventConsumer,
 * which keeps Omni's guarantees: protobuf + CloudEvents records, trace continuation, batches per
 * partition applied in one transaction, retries then DLQ, commits only after the effect, drain on
 * shutdown. `listen` returns at once and joins the group in the background, retrying while the
 * broker is away, so a service starts (not ready) before Kafka does.
 */
@Injectable()
export class KafkaTransport extends Server implements CustomTransportStrategy {
  override readonly transportId = Symbol.for('omni-kafka');

  constructor(private readonly consumer: EventConsumer) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) throw new Error(`@MessagePattern("${pattern}") is not supported on Kafka: use @OnTopic / @EventPattern`);
      const topic = (handler.extras?.[TOPIC_EXTRA] as TopicDefinition | undefined) ?? ALL_TOPICS.find((t) => t.name === pattern);
      if (!topic) throw new Error(`@EventPattern("${pattern}") names no topic of the registry`);
      this.consumer.subscribe(topic, (event) => this.invoke(handler, event), { name: pattern, batch: handler.extras?.batch !== false });
    }
    // Joining happens in the background (and retries while the broker is unreachable); readiness
    // reports it. A start failure is never fatal.
    void this.consumer.start();
    callback();
  }

  /** Runs Nest's handler chain (guards, interceptors, pipes, filters) and waits for the effect. */
  private async invoke(handler: MessageHandler, event: ConsumedEvent<unknown>): Promise<void> {
    const result = await handler(event, new KafkaEventContext([event]));
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  async close(): Promise<void> {
    await this.consumer.stop();
  }

  on(): never {
    throw new Error('KafkaTransport emits no events; watch readiness instead');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}

@Injectable()
class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly consumer: EventConsumer,
    private readonly connection: KafkaConnection,
    private readonly publisher: EventPublisher,
    private readonly health: HealthRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.health.register({
      name: 'kafka',
      check: async () => {
        this.consumer.check();
        await this.connection.ping();
      },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.health.markShuttingDown();
    // Drain before anything the handlers use (database, outbox relay) is closed.
    await this.consumer.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    // Queued records (webhooks answered only after their ack, the relay's last drain) go out
    // before the producer disconnects; later publishes are refused (503 / left in the outbox).
    await this.publisher.close();
    await this.connection.close();
  }
}

/**
 * Kafka for a Nest service: one connection, an EventPublisher to inject, the EventConsumer and the
 * KafkaTransport that serves the service's `@OnTopic` controllers (connect it with
 * `app.connectMicroservice({ strategy: app.get(KafkaTransport) })` — the service kit does). Needs
 * the service kit's global providers (Metrics, HealthRegistry, LOGGER); uses the BATCH_SCOPE
 * provider when the service has a database.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(settings: KafkaSettings): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: KafkaConnection, inject: [LOGGER], useFactory: (logger: Logger) => new KafkaConnection(settings, logger) },
        {
          provide: EventPublisher,
          inject: [KafkaConnection, Metrics],
          useFactory: (c: KafkaConnection, m: Metrics) => new EventPublisher(c, m, { lingerMs: settings.produceLingerMs }),
        },
        {
          provide: EventConsumer,
          inject: [KafkaConnection, LOGGER, Metrics, { token: BATCH_SCOPE, optional: true }],
          useFactory: (c: KafkaConnection, logger: Logger, m: Metrics, scope?: BatchScope) =>
            new EventConsumer(c, logger, m, { batchScope: scope, provision: 'all' }),
        },
        KafkaTransport,
        MessagingLifecycle,
      ],
      exports: [KafkaConnection, EventPublisher, EventConsumer, KafkaTransport],
    };
  }
}

export { Inject };
