/**
 * jest globalSetup for integration and e2e tests: a real Kafka broker and a real PostgreSQL
 * database, never mocks. It runs once in the jest parent process before any worker starts, and
 * hands its results to the workers through process.env (which they inherit):
 *
 *   KAFKA_BROKERS       the broker(s) to use
 *   DATABASE_URL        a fresh database `omni_test_<runid>` made for this run
 *   OMNI_TOPIC_PREFIX   `t<runid>.`, so runs sharing a broker never see each other's topics
 *   OMNI_TEST_ENV       which environment was chosen (testEnv() checks it)
 *
 * Kafka: KAFKA_BROKERS when set; else Testcontainers when a Docker engine answers; else
 * deploy/kafka-local on a free port pair (Java + Maven). PostgreSQL: DATABASE_URL's server when
 * set; else a Testcontainers PostgreSQL when Docker answers; else postgres://postgres@127.0.0.1:5432.
 * OMNI_TEST_INFRA=docker|local forces one of the two branches; OMNI_KEEP_TEST_DB=1 keeps the database.
 */
import {
  activeRuns,
  createDatabase,
  databaseUrlFor,
  DEFAULT_ADMIN_DATABASE_URL,
  describeUrl,
  dockerAvailable,
  errorMessage,
  EXPORTED_ENV,
  newRunId,
  reapStaleRuns,
  releaseRun,
  restoreEnv,
  saveState,
  startKafkaContainer,
  startKafkaLocal,
  startPostgresContainer,
  waitForKafka,
  type RunHandles,
  type RunState,
} from './infra';

type Infra = 'auto' | 'docker' | 'local';

function requestedInfra(): Infra {
  const value = (process.env.OMNI_TEST_INFRA || 'auto').trim().toLowerCase();
  if (value === 'auto' || value === 'docker' || value === 'local') return value;
  throw new Error(`OMNI_TEST_INFRA must be auto, docker or local; got '${value}'`);
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const runs = activeRuns();
  if (runs.length > 0) {
    // Another jest project of this same run already prepared everything: share it.
    const outer = runs[0].state;
    runs.push({ state: outer, handles: { containers: [] }, owner: false });
    return;
  }

  try {
    await reapStaleRuns();
  } catch (error) {
    process.stderr.write(`[omni test env] could not clean up after earlier runs: ${errorMessage(error)}\n`);
  }

  const runId = newRunId();
  const previousEnv: RunState['previousEnv'] = {};
  for (const name of EXPORTED_ENV) if (process.env[name] !== undefined) previousEnv[name] = process.env[name];
  const state: RunState = {
    runId,
    ownerPid: process.pid,
    startedAt: new Date().toISOString(),
    keepDb: process.env.OMNI_KEEP_TEST_DB === '1',
    previousEnv,
  };
  const handles: RunHandles = { containers: [] };
  saveState(state);

  try {
    const infra = requestedInfra();
    const givenBrokers = process.env.KAFKA_BROKERS?.trim();
    const givenDatabaseUrl = process.env.DATABASE_URL?.trim();
    let docker = false;
    if (!givenBrokers || !givenDatabaseUrl) {
      if (infra === 'docker') {
        if (!(await dockerAvailable())) throw new Error('OMNI_TEST_INFRA=docker but no container runtime answers');
        docker = true;
      } else if (infra === 'auto') {
        docker = await dockerAvailable();
      }
    }

    const kafka = async (): Promise<[string, string]> => {
      if (givenBrokers) {
        state.kafkaMode = 'external';
        return [givenBrokers, `KAFKA_BROKERS=${givenBrokers}`];
      }
      if (docker) {
        state.kafkaMode = 'testcontainers';
        const { brokers, container, image } = await startKafkaContainer();
        handles.containers.push(container);
        return [brokers, `testcontainers ${image} at ${brokers}`];
      }
      state.kafkaMode = 'kafka-local';
      const brokers = await startKafkaLocal(runId, (instance) => {
        // Recorded before the broker starts, so even a crash mid-start leaves a trail to clean up.
        state.kafkaLocal = instance;
        saveState(state);
      });
      return [brokers, `deploy/kafka-local at ${brokers} (dir ${state.kafkaLocal?.dir})`];
    };

    const postgres = async (): Promise<[string, string]> => {
      if (givenDatabaseUrl) return [givenDatabaseUrl, `DATABASE_URL server ${describeUrl(givenDatabaseUrl)}`];
      if (docker) {
        const { url, container, image } = await startPostgresContainer();
        handles.containers.push(container);
        return [url, `testcontainers ${image}`];
      }
      return [DEFAULT_ADMIN_DATABASE_URL, `local ${DEFAULT_ADMIN_DATABASE_URL}`];
    };

    // Both in parallel (the broker is the slow part); wait for both so a failure in one never
    // leaves the other running unrecorded.
    const [kafkaResult, postgresResult] = await Promise.allSettled([kafka(), postgres()]);
    const failures = [kafkaResult, postgresResult].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) throw new AggregateError(failures.map((f) => f.reason));
    const [brokers, kafkaDescription] = (kafkaResult as PromiseFulfilledResult<[string, string]>).value;
    const [adminDatabaseUrl, postgresDescription] = (postgresResult as PromiseFulfilledResult<[string, string]>).value;
    state.kafkaBrokers = brokers;
    state.topicPrefix = `t${runId}.`;

    const database = `omni_test_${runId}`;
    await createDatabase(adminDatabaseUrl, database);
    state.adminDatabaseUrl = adminDatabaseUrl;
    state.database = database;
    saveState(state);
    await waitForKafka(brokers);

    process.env.KAFKA_BROKERS = brokers;
    process.env.DATABASE_URL = databaseUrlFor(adminDatabaseUrl, database);
    process.env.OMNI_TOPIC_PREFIX = state.topicPrefix;
    process.env.OMNI_TEST_ENV = `${state.kafkaMode}+${givenDatabaseUrl ? 'external' : docker ? 'testcontainers' : 'local'}-postgres`;
    runs.push({ state, handles, owner: true });

    process.stdout.write(
      `\n[omni test env] kafka: ${kafkaDescription}; postgres: ${postgresDescription}, database ${database}; ` +
        `topic prefix ${state.topicPrefix} (ready in ${Date.now() - started} ms)\n`,
    );
  } catch (error) {
    const problems = await releaseRun(state, handles);
    restoreEnv(state.previousEnv);
    const cleanup = problems.length ? `\n(cleanup also failed: ${problems.join('; ')})` : '';
    throw new Error(`[omni test env] setup failed: ${errorMessage(error)}${cleanup}`, { cause: error });
  }
}
