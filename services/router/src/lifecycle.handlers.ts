import { Inject, Controller } from '@nestjs/common';
import { CsatRecorded_Status, timestampDate, Topics, type ContactErased, type ConversationResolved, type CsatRecorded } from '@omni/contracts';
import { isUuid, LOGGER, OnTopic, type ConsumedEvent } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { CLOCK, type Clock } from './clock';
import { RouterStore, type ClosesWritten } from './store';

/**
 * What happens to a conversation after routing: a resolution closes it (the customer's next
 * message routes it again under the rules in force), a CSAT answer feeds the "last CSAT"
 * condition, and an erasure drops everything the router holds about the contact.
 */
@Controller()
export class LifecycleHandlers {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** One debug line per written batch of closes (one listener, however many records the transaction holds). */
  private readonly closesWritten: ClosesWritten = ({ closes, known }) => this.logger.debug({ closes, known }, 'conversations closed for re-routing');

  @OnTopic(Topics.conversationResolved)
  async onResolved(event: ConsumedEvent<ConversationResolved>): Promise<void> {
    const resolved = event.value;
    if (!isUuid(resolved.conversationId)) return;
    await this.uow.handle(event, async (manager) => {
      await new RouterStore(manager).close(resolved.conversationId, resolved.resolvedAt ? timestampDate(resolved.resolvedAt) : this.clock.now(), this.closesWritten);
    });
  }

  @OnTopic(Topics.csatRecorded)
  async onCsat(event: ConsumedEvent<CsatRecorded>): Promise<void> {
    const csat = event.value;
    if (csat.status !== CsatRecorded_Status.ANSWERED || !csat.contactId || csat.score < 1 || csat.score > 5) return;
    await this.uow.handle(event, async (manager) => {
      await new RouterStore(manager).recordCsat(csat.contactId, csat.score, csat.recordedAt ? timestampDate(csat.recordedAt) : this.clock.now());
    });
  }

  @OnTopic(Topics.contactErased)
  async onErased(event: ConsumedEvent<ContactErased>): Promise<void> {
    const erased = event.value;
    let removed = 0;
    await this.uow.handle(event, async (manager) => {
      removed = await new RouterStore(manager).eraseContact(erased.contactId, erased.conversationIds);
    });
    this.metrics.counter('omni_router_erasures_total', 'Contact erasures applied').inc();
    this.logger.info({ erasureId: erased.id, rows: removed }, 'contact erased from the router');
  }
}
