import {
  Global,
  Inject,
  Injectable,
  Module,
  SetMetadata,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { TopicDefinition } from '@omni/contracts';
import { HealthRegistry, Metrics, type Logger } from '@omni/observability';
import { KafkaConnection } from './connection';
import { EventConsumer } from './consumer';
import { EventPublisher } from './publisher';
import type { KafkaSettings } from './settings';

export const LOGGER = Symbol('omni.logger');
const SUBSCRIBE = 'omni:subscribe';

/**
 * Declares a provider method as the handler of a topic: `@Subscribe(Topics.inboundRaw)`.
 * The method receives a ConsumedEvent of the topic's type; resolving means the effect is durable.
 */
export const Subscribe = (topic: TopicDefinition): MethodDecorator => SetMetadata(SUBSCRIBE, topic);

@Injectable()
class SubscriptionRunner implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly consumer: EventConsumer,
    private readonly connection: KafkaConnection,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.health.register({ name: 'kafka', check: () => this.connection.ping() });
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName] as (...args: unknown[]) => Promise<void>;
        const topic = this.reflector.get<TopicDefinition | undefined>(SUBSCRIBE, method);
        if (topic) this.consumer.subscribe(topic, (event) => method.call(instance, event), `${wrapper.name}.${methodName}`);
      }
    }
    await this.connection.ensureTopics();
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.health.markShuttingDown();
    await this.consumer.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * Kafka for a Nest service: one connection, an EventPublisher to inject, and every
 * `@Subscribe(...)` method wired into the service's consumer group at bootstrap. Needs the
 * service kit's global providers (Metrics, HealthRegistry, LOGGER).
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(settings: KafkaSettings): DynamicModule {
    return {
      module: MessagingModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: KafkaConnection, inject: [LOGGER], useFactory: (logger: Logger) => new KafkaConnection(settings, logger) },
        { provide: EventPublisher, inject: [KafkaConnection, Metrics], useFactory: (c: KafkaConnection, m: Metrics) => new EventPublisher(c, m) },
        {
          provide: EventConsumer,
          inject: [KafkaConnection, LOGGER, Metrics],
          useFactory: (c: KafkaConnection, logger: Logger, m: Metrics) => new EventConsumer(c, logger, m),
        },
        SubscriptionRunner,
      ],
      exports: [KafkaConnection, EventPublisher, EventConsumer],
    };
  }
}

export { Inject };
