/**
 * jest globalTeardown paired with global-setup.ts: drops the run's database (unless
 * OMNI_KEEP_TEST_DB=1), stops the kafka-local broker or the containers it started, deletes the
 * run's topics on a shared broker (KAFKA_BROKERS given), and restores the env it changed.
 * Cleanup problems are reported, not thrown: they must not turn a green run red, nor hide.
 */
import { activeRuns, databaseUrlFor, describeUrl, releaseRun, restoreEnv } from './infra';

export default async function globalTeardown(): Promise<void> {
  const run = activeRuns().pop();
  // Setup failed (it cleans up after itself) or never ran: nothing to undo.
  if (!run || !run.owner) return;
  const { state, handles } = run;
  const problems = await releaseRun(state, handles);
  restoreEnv(state.previousEnv);
  if (state.keepDb && state.adminDatabaseUrl && state.database) {
    const url = describeUrl(databaseUrlFor(state.adminDatabaseUrl, state.database));
    process.stdout.write(`[omni test env] kept database ${state.database} (OMNI_KEEP_TEST_DB=1): ${url}\n`);
  }
  if (problems.length > 0) {
    process.stderr.write(`[omni test env] teardown could not finish cleanly:\n  ${problems.join('\n  ')}\n`);
  }
}
