import { Controller, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { filter, interval, map, merge, type Observable } from 'rxjs';
import { CurrentPrincipal, hasRole, Roles, type Principal } from '@omni/service-kit';
import { StreamHub } from './stream.hub';

const KEEPALIVE_MS = 15_000;

/**
 * The agent's live stream (Server-Sent Events): offers and assignments, customer messages,
 * delivery and read receipts, window-policy's verdict on replies, window-expiring and SLA warnings.
 * An agent sees their own conversations; a supervisor sees everything.
 */
@ApiTags('stream')
@Roles('agent', 'supervisor')
@Controller('stream')
export class StreamController {
  constructor(private readonly hub: StreamHub) {}

  @Sse()
  @ApiOperation({ summary: 'Live events as text/event-stream: event = offer, assigned, offer-ended, message, receipt, outbound-approved, outbound-rejected, window-expiring, sla, note, requeued, resolved' })
  @ApiOkResponse({ description: 'text/event-stream; each data is {agentId, kind, conversationId, data}' })
  stream(@CurrentPrincipal() caller: Principal): Observable<MessageEvent> {
    const supervisor = hasRole(caller, ['supervisor']);
    const events = this.hub.stream.pipe(
      filter((n) => supervisor || (!!caller.agentId && n.agentId === caller.agentId)),
      map((n): MessageEvent => ({ type: n.kind, data: n })),
    );
    // A comment-free keepalive event so proxies do not cut an idle stream.
    return merge(events, interval(KEEPALIVE_MS).pipe(map((): MessageEvent => ({ type: 'keepalive', data: {} }))));
  }
}
