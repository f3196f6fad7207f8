import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, UseFilters } from '@nestjs/common';
import { ApiConflictResponse, ApiGoneResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource, type EntityManager } from 'typeorm';
import { ContactErasedSchema, create, timestampFromDate, Topics } from '@omni/contracts';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { UnitOfWork } from '@omni/persistence';
import { InjectConfig, ProblemException, Roles } from '@omni/service-kit';
import type { NormalizerConfig } from '../config';
import { Clock } from '../domain/clock';
import { contactOfIdentity, CRM, identityKeys, PHONE, type IdentityKey } from '../domain/contacts';
import { ContactEntity, IdentityEntity } from '../domain/entities';
import { publishLinked, publishMerged } from '../domain/contact-events';
import { customerFacts } from '../domain/customer';
import { eraseContact } from '../domain/erasure';
import { linkCustomer, lockActiveContact, mergeContacts } from '../domain/merge';
import { toE164 } from '../domain/phone';
import { ContactIdParams, EraseContactQuery, LinkCustomerDto, MergeContactsDto, PageQuery, SearchContactsQuery, UpdateContactDto } from './dto';
import { conversationPage, messagePage } from './paging';
import { answering, ContactMoved, ContactMovedFilter } from './problems';
import {
  ContactSearchView,
  ContactView,
  contactView,
  ConversationPageView,
  ErasureView,
  LinkResultView,
  MergeResultView,
  MessagePageView,
} from './views';

type FieldErrors = Array<{ field: string; message: string }>;

function invalid(errors: FieldErrors): ProblemException {
  return new ProblemException(400, 'Invalid request', 'The request has invalid fields.', errors);
}

/**
 * Contacts: search by identity, CRM links and merges, attributes the router uses, erasure, and a
 * contact's timeline across every channel. A merged contact's id keeps working for reads (308 to
 * the survivor); writes to it are refused (409) so a CRM notices the merge.
 */
@ApiTags('contacts')
// Reading contacts is for agents, supervisors and CRMs; changing identity, tier or erasing them
// is narrower (see each route).
@Roles('agent', 'supervisor', 'crm')
@Controller('contacts')
@UseFilters(ContactMovedFilter)
export class ContactsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    @InjectConfig() private readonly config: NormalizerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Find contacts by identity: channel + id, a phone number in any format, or a CRM customer id' })
  @ApiOkResponse({ type: ContactSearchView })
  async search(@Query() query: SearchContactsQuery): Promise<ContactSearchView> {
    const given = [query.channel !== undefined || query.id !== undefined, query.phone !== undefined, query.customerId !== undefined].filter(Boolean).length;
    if (given !== 1) throw invalid([{ field: 'query', message: 'give exactly one of: channel and id, phone, customerId' }]);
    if ((query.channel === undefined) !== (query.id === undefined)) {
      throw invalid([{ field: query.channel === undefined ? 'channel' : 'id', message: 'channel and id go together' }]);
    }
    const manager = this.dataSource.manager;
    let contact: ContactEntity | null;
    if (query.phone !== undefined) {
      const phone = this.phone(query.phone, query.country);
      if (!phone) throw invalid([{ field: 'phone', message: 'phone is not a phone number' }]);
      contact = await contactOfIdentity(manager, PHONE, phone);
    } else if (query.customerId !== undefined) {
      contact = await contactOfIdentity(manager, CRM, query.customerId);
    } else {
      contact = await contactOfIdentity(manager, query.channel!, query.id!, { phoneCountry: this.config.PHONE_DEFAULT_COUNTRY });
    }
    return { items: contact ? [await this.view(manager, contact)] : [] };
  }

  @Post('link')
  @Roles('supervisor', 'crm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Link identities to a CRM customer id: the contacts behind them become one (history follows); publishes omni.contact.merged.v1 per merge, then omni.contact.linked.v1' })
  @ApiOkResponse({ type: LinkResultView })
  @ApiConflictResponse({ description: 'An identity belongs to a contact linked to another customer id.' })
  async link(@Body() body: LinkCustomerDto): Promise<LinkResultView> {
    const keys: IdentityKey[] = [];
    const errors: FieldErrors = [];
    for (const identity of body.identities ?? []) {
      keys.push(...identityKeys(identity.channel, identity.id, { phoneCountry: this.config.PHONE_DEFAULT_COUNTRY }).map((k) => ({ ...k, origin: k.origin === 'channel' ? ('crm' as const) : k.origin })));
    }
    for (const [index, raw] of (body.phones ?? []).entries()) {
      const phone = this.phone(raw);
      if (!phone) errors.push({ field: `phones.${index}`, message: 'is not a phone number' });
      else keys.push({ channel: PHONE, channelUserId: phone, origin: 'crm' });
    }
    if (errors.length) throw invalid(errors);
    if (!keys.length) throw invalid([{ field: 'identities', message: 'give at least one identity or phone' }]);
    const result = await answering(() =>
      this.uow.run(async (manager, outbox) => {
        const at = this.clock.now();
        const linked = await linkCustomer(manager, body.customerId, keys, at);
        const facts = await customerFacts(manager, linked.contact.id);
        publishLinked(outbox, { contactId: linked.contact.id, crmCustomerId: body.customerId, merged: linked.merged, created: linked.created, facts, at });
        return { ...linked, view: await this.view(manager, linked.contact) };
      }),
    );
    this.metrics.counter('omni_normalizer_contact_merges_total', 'Contacts merged into another', ['cause']).inc({ cause: 'crm-link' }, result.merged.length);
    this.logger.info({ contactId: result.contact.id, merged: result.merged, created: result.created }, 'crm link applied');
    return { contact: result.view, merged: result.merged, created: result.created };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A contact with its identities and attributes (308 to the survivor when merged)' })
  @ApiOkResponse({ type: ContactView })
  @ApiNotFoundResponse()
  @ApiGoneResponse({ description: 'The contact was erased.' })
  async get(@Param() params: ContactIdParams): Promise<ContactView> {
    const manager = this.dataSource.manager;
    return this.view(manager, await this.readable(manager, params.id));
  }

  @Patch(':id')
  @Roles('supervisor', 'crm')
  @ApiOperation({ summary: 'Set CRM attributes: tier, lifetime value, open orders, cart, preferred channel, language, timezone' })
  @ApiOkResponse({ type: ContactView })
  @ApiNotFoundResponse()
  async update(@Param() params: ContactIdParams, @Body() body: UpdateContactDto): Promise<ContactView> {
    return answering(() =>
      this.uow.run(async (manager) => {
        const contact = await lockActiveContact(manager, params.id);
        const attributes: Record<string, unknown> = { ...contact.attributes };
        for (const key of ['tier', 'lifetimeValue', 'openOrders', 'cart', 'preferredChannel'] as const) {
          if (!(key in body)) continue;
          const value = body[key];
          if (value === null || value === undefined) delete attributes[key];
          else attributes[key] = JSON.parse(JSON.stringify(value)) as unknown;
        }
        const updates: QueryDeepPartialEntity<ContactEntity> = { attributes: attributes as QueryDeepPartialEntity<Record<string, unknown>> };
        if ('displayName' in body) updates.displayName = body.displayName ?? null;
        if ('language' in body) updates.locale = body.language ?? null;
        if ('timezone' in body) updates.timezone = body.timezone ?? null;
        await manager.update(ContactEntity, { id: contact.id }, updates);
        return this.view(manager, await manager.findOneByOrFail(ContactEntity, { id: contact.id }));
      }),
    );
  }

  @Post(':id/merge')
  @Roles('supervisor', 'crm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge another contact into this one: its identities, conversations and messages move here; publishes omni.contact.merged.v1' })
  @ApiOkResponse({ type: MergeResultView })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Same contact, or one of them was merged already.' })
  async merge(@Param() params: ContactIdParams, @Body() body: MergeContactsDto): Promise<MergeResultView> {
    const result = await answering(() =>
      this.uow.run(async (manager, outbox) => {
        const at = this.clock.now();
        const merged = await mergeContacts(manager, params.id, body.sourceContactId, at);
        publishMerged(outbox, { survivingContactId: params.id, mergedContactId: body.sourceContactId, cause: 'api', at });
        return { contact: await this.view(manager, await manager.findOneByOrFail(ContactEntity, { id: params.id })), moved: merged.moved };
      }),
    );
    this.metrics.counter('omni_normalizer_contact_merges_total', 'Contacts merged into another', ['cause']).inc({ cause: 'api' });
    this.logger.info({ contactId: params.id, sourceContactId: body.sourceContactId, moved: result.moved }, 'contacts merged');
    return result;
  }

  @Delete(':id')
  @Roles('crm')
  @ApiOperation({ summary: "Erase a contact: personal data and message text removed, omni.contact.erased.v1 published" })
  @ApiOkResponse({ type: ErasureView })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The contact was merged: erase the surviving contact.' })
  async erase(@Param() params: ContactIdParams, @Query() query: EraseContactQuery): Promise<ErasureView> {
    const result = await answering(() =>
      this.uow.run(async (manager, outbox) => {
        const erased = await eraseContact(manager, params.id, this.clock.now());
        if (erased.changed) {
          const id = randomUUID();
          outbox.add(
            Topics.contactErased,
            erased.contactId,
            create(ContactErasedSchema, {
              id,
              contactId: erased.contactId,
              conversationIds: erased.conversationIds,
              erasedAt: timestampFromDate(erased.erasedAt),
              requestedBy: query.requestedBy ?? '',
            }),
            { id },
          );
        }
        return erased;
      }),
    );
    if (result.changed) this.metrics.counter('omni_normalizer_erasures_total', 'Contacts erased').inc();
    this.logger.info({ contactId: result.contactId, conversations: result.conversationIds.length, changed: result.changed }, 'contact erased');
    return { contactId: result.contactId, conversationIds: result.conversationIds, erasedAt: result.erasedAt.toISOString(), erased: result.changed };
  }

  @Get(':id/timeline')
  @ApiOperation({ summary: "A contact's messages across every channel and conversation, in time order (cursor pagination)" })
  @ApiOkResponse({ type: MessagePageView })
  @ApiNotFoundResponse()
  async timeline(@Param() params: ContactIdParams, @Query() query: PageQuery): Promise<MessagePageView> {
    const manager = this.dataSource.manager;
    const contact = await this.readable(manager, params.id);
    return messagePage(manager, { property: 'contactId', value: contact.id }, query);
  }

  @Get(':id/conversations')
  @ApiOperation({ summary: "A contact's conversations, by opening time (cursor pagination)" })
  @ApiOkResponse({ type: ConversationPageView })
  @ApiNotFoundResponse()
  async conversations(@Param() params: ContactIdParams, @Query() query: PageQuery): Promise<ConversationPageView> {
    const manager = this.dataSource.manager;
    const contact = await this.readable(manager, params.id);
    return conversationPage(manager, contact.id, query);
  }

  /** A contact to read: 404 unknown, 308 merged (to the survivor), 410 erased. */
  private async readable(manager: EntityManager, id: string): Promise<ContactEntity> {
    const contact = await manager.findOne(ContactEntity, { where: { id } });
    if (!contact) throw new ProblemException(404, 'Not found', `no contact ${id}`);
    if (contact.status === 'merged' && contact.mergedInto) throw new ContactMoved(id, contact.mergedInto);
    if (contact.status === 'erased') throw new ProblemException(410, 'Gone', `contact ${id} was erased`);
    return contact;
  }

  private async view(manager: EntityManager, contact: ContactEntity): Promise<ContactView> {
    const identities = await manager.find(IdentityEntity, { where: { contactId: contact.id }, order: { createdAt: 'ASC', channel: 'ASC' } });
    return contactView(contact, identities);
  }

  private phone(input: string, country?: string): string | undefined {
    return toE164(input, { defaultCountry: country ?? this.config.PHONE_DEFAULT_COUNTRY }) ?? toE164(input, { international: true });
  }
}
