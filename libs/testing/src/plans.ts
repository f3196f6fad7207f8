/**
 * The plan PostgreSQL caches for a prepared statement when it stops re-planning per call (a
 * "generic" plan, parameters unknown). Services run their hot statements as named prepared
 * statements (persistence's PreparingClient), so this plan is the one that runs, for as long as
 * the connection lives, whatever the tables have grown to since it was made. Specs use it to pin
 * hot lookups to their indexes.
 */
export interface PlanNode {
  type: string;
  relation?: string;
  index?: string;
}

/** Runs SQL on one session (SET and PREPARE must stay on the same connection). */
export type SessionQuery = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

interface ExplainNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: ExplainNode[];
}

/**
 * Every node of the generic plan of `statement` (parameters `$1…` typed by `paramTypes`, e.g.
 * `['text', 'text[]']`), explained for the literal `args` (SQL expressions, e.g. `'{a}'::text[]`).
 */
export async function genericPlan(query: SessionQuery, statement: string, paramTypes: readonly string[], args: readonly string[]): Promise<PlanNode[]> {
  await query('SET plan_cache_mode = force_generic_plan');
  try {
    await query(`PREPARE omni_plan_probe(${paramTypes.join(', ')}) AS ${statement}`);
    const rows = await query<{ 'QUERY PLAN': Array<{ Plan: ExplainNode }> }>(`EXPLAIN (FORMAT JSON) EXECUTE omni_plan_probe(${args.join(', ')})`);
    const nodes: PlanNode[] = [];
    const walk = (node: ExplainNode) => {
      nodes.push({ type: node['Node Type'], relation: node['Relation Name'], index: node['Index Name'] });
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(rows[0]!['QUERY PLAN'][0]!.Plan);
    return nodes;
  } finally {
    await query('DEALLOCATE ALL');
    await query('RESET plan_cache_mode');
  }
}

/** How the plan reads `relation`: one entry per scan node on it (e.g. 'Index Only Scan'). */
export function scansOf(nodes: readonly PlanNode[], relation: string): string[] {
  return nodes.filter((n) => n.relation === relation).map((n) => n.type);
}
