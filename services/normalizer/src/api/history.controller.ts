import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ProblemException, Roles } from '@omni/service-kit';
import { ConversationEntity } from '../domain/entities';
import { ConversationIdParams, PageQuery } from './dto';
import { messagePage } from './paging';
import { ConversationView, conversationView, MessagePageView } from './views';

/** Conversations and their messages, with each message's delivery status. */
@ApiTags('conversations')
@Roles('agent', 'supervisor', 'crm')
@Controller('conversations')
export class HistoryController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':id')
  @ApiOperation({ summary: 'A conversation: status, channels used, entry point, resolution' })
  @ApiOkResponse({ type: ConversationView })
  @ApiNotFoundResponse()
  async get(@Param() params: ConversationIdParams): Promise<ConversationView> {
    return conversationView(await this.find(params.id));
  }

  @Get(':id/messages')
  @ApiOperation({ summary: "A conversation's messages in time order with their delivery status (cursor pagination)" })
  @ApiOkResponse({ type: MessagePageView })
  @ApiNotFoundResponse()
  async messages(@Param() params: ConversationIdParams, @Query() query: PageQuery): Promise<MessagePageView> {
    const conversation = await this.find(params.id);
    return messagePage(this.dataSource.manager, { property: 'conversationId', value: conversation.id }, query);
  }

  private async find(id: string): Promise<ConversationEntity> {
    const conversation = await this.dataSource.manager.findOne(ConversationEntity, { where: { id } });
    if (!conversation) throw new ProblemException(404, 'Not found', `no conversation ${id}`);
    return conversation;
  }
}
