export * from './env';
export * from './kafka-tap';
export * as metaGraph from './fakes/meta-graph';
