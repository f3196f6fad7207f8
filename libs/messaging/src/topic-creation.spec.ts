import { KafkaJSAggregateError, KafkaJSProtocolError, logLevel } from 'kafkajs';
import { isTopicCreationRace, kafkaLogLevel } from './connection';

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

/** kafkajs's own ERROR line for a CreateTopics answer is the race above, judged by ensureTopics. */
describe('kafkaLogLevel', () => {
  it('keeps kafkajs levels, except the CreateTopics error response, which ensureTopics judges', () => {
    expect(kafkaLogLevel('Connection', 'Response CreateTopics(key: 19, version: 3)', logLevel.ERROR)).toBe(logLevel.DEBUG);
    expect(kafkaLogLevel('Connection', 'Response Metadata(key: 3, version: 6)', logLevel.ERROR)).toBe(logLevel.ERROR);
    expect(kafkaLogLevel('Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded', logLevel.ERROR)).toBe(logLevel.ERROR);
    expect(kafkaLogLevel('Connection', 'Connection timeout', logLevel.WARN)).toBe(logLevel.WARN);
  });
});
