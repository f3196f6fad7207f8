/**
 * Simulated agents: N agents registered and online on the assignment service (PUT /agents/:id,
 * PUT /agents/:id/presence), each holding a conversation for a short time after it was assigned
 * to them (learned from omni.conversation.assigned.v1), then resolving it with
 * POST /conversations/:id/resolve, which gives the slot back and drains the queue into it.
 * Resolution is idempotent, so a call that failed (assignment restarting) is simply retried.
 */
import type { HttpClient } from './http';
import type { ConversationState, Ledger } from './ledger';

export interface AgentDeskStats {
  resolved: number;
  alreadyResolved: number;
  retries: number;
  failed: number;
  /** Resolutions scheduled or in flight right now. */
  pending: number;
}

export class AgentDesk {
  readonly stats: AgentDeskStats = { resolved: 0, alreadyResolved: 0, retries: 0, failed: 0, pending: 0 };
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly http: HttpClient,
    private readonly assignmentUrl: string,
    private readonly ledger: Ledger,
    private readonly options: { agents: number; capacity: number; holdMs: number; maxAttempts?: number },
  ) {
    ledger.onAssigned = (c) => {
      this.stats.pending++;
      this.schedule(c, options.holdMs);
    };
  }

  static agentId(i: number): string {
    return `bench-agent-${String(i).padStart(3, '0')}`;
  }

  async register(): Promise<void> {
    for (let i = 0; i < this.options.agents; i++) {
      const id = AgentDesk.agentId(i);
      const upsert = await this.http.json(this.assignmentUrl, 'PUT', `/agents/${id}`, { displayName: `Bench agent ${i}`, capacity: this.options.capacity });
      if (upsert.status !== 200) throw new Error(`PUT /agents/${id} answered ${upsert.status}: ${upsert.body}`);
      const presence = await this.http.json(this.assignmentUrl, 'PUT', `/agents/${id}/presence`, { status: 'online' });
      if (presence.status !== 200) throw new Error(`PUT /agents/${id}/presence answered ${presence.status}: ${presence.body}`);
    }
  }

  private schedule(c: ConversationState, delayMs: number, attempt = 0): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.resolve(c, attempt);
    }, delayMs);
    this.timers.add(timer);
  }

  private async resolve(c: ConversationState, attempt: number): Promise<void> {
    if (this.stopped) return;
    // A reply of this customer is still on its way: resolving now would let it reopen the
    // conversation. Wait until the normalizer has filed it.
    if (!c.resolving && !this.ledger.canResolve(c)) return this.schedule(c, 20, attempt);
    this.ledger.resolving(c);
    let ok = false;
    try {
      const response = await this.http.json(this.assignmentUrl, 'POST', `/conversations/${c.conversationId}/resolve`, { resolution: 'solved' });
      if (response.status === 200) {
        ok = true;
        if ((JSON.parse(response.body) as { alreadyResolved?: boolean }).alreadyResolved) this.stats.alreadyResolved++;
        else this.stats.resolved++;
      }
    } catch {
      // assignment unreachable (restarting): retried below
    }
    if (ok) {
      this.stats.pending--;
      return;
    }
    if (attempt + 1 >= (this.options.maxAttempts ?? 60)) {
      this.stats.failed++;
      this.stats.pending--;
      return;
    }
    this.stats.retries++;
    this.schedule(c, Math.min(2_000, 100 * 2 ** attempt), attempt + 1);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
