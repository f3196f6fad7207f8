import { KafkaJSAggregateError, KafkaJSProtocolError } from 'kafkajs';
import { isTopicCreationRace } from './connection';

/** Which createTopics failures mean "wait for the topics" rather than "fail the start-up". */
describe('isTopicCreationRace', () => {
  const protocol = (type: string, code: number) => Object.assign(new KafkaJSProtocolError(type), { type, code });

  it.each([
    ['metadata behind the creation', protocol('UNKNOWN_TOPIC_OR_PARTITION', 3), true],
    ['no leader elected yet', protocol('LEADER_NOT_AVAILABLE', 5), true],
    ['a replica created some topics first', new KafkaJSAggregateError('x', [protocol('TOPIC_ALREADY_EXISTS', 36), protocol('UNKNOWN_TOPIC_OR_PARTITION', 3)]), true],
    ['an invalid configuration', protocol('INVALID_CONFIG', 40), false],
    ['one invalid topic among existing ones', new KafkaJSAggregateError('x', [protocol('TOPIC_ALREADY_EXISTS', 36), protocol('POLICY_VIOLATION', 44)]), false],
    ['a plain error', new Error('connection refused'), false],
    ['not an error', undefined, false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isTopicCreationRace(error)).toBe(expected);
  });
});
