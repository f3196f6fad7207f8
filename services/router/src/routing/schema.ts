/**
 * JSON Schema (draft-07) of the routing document. Published as docs/routing.schema.json so editors
 * validate documents as they are typed (schema.spec.ts fails when that file is stale); the loader
 * validates with the same object. Sizes are bounded so a document cannot make evaluation costly.
 */
const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' };
const word = { type: 'string', minLength: 1, maxLength: 100 };
const words = { type: 'array', items: word, minItems: 1, maxItems: 200 };
const localized = {
  description: 'A text, or a text per language (`en`, `fr`…, optionally `default`).',
  oneOf: [
    { type: 'string', minLength: 1, maxLength: 2000 },
    { type: 'object', minProperties: 1, maxProperties: 50, propertyNames: { pattern: '^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*|default)$' }, additionalProperties: { type: 'string', minLength: 1, maxLength: 2000 } },
  ],
};
const quickReplies = {
  type: 'array',
  maxItems: 13,
  items: { type: 'object', additionalProperties: false, required: ['title', 'payload'], properties: { title: { type: 'string', minLength: 1, maxLength: 20 }, payload: { type: 'string', minLength: 1, maxLength: 1000 } } },
};
const numberMatcher = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: { eq: { type: 'number' }, gt: { type: 'number' }, gte: { type: 'number' }, lt: { type: 'number' }, lte: { type: 'number' } },
};
const entryPoint = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    source: { type: 'array', minItems: 1, items: { enum: ['deep_link', 'ad', 'welcome_message', 'post', 'other'] } },
    ref: words,
    ad_id: words,
    welcome_message_id: words,
  },
};
const timeRange = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$' };
const day = { type: 'array', maxItems: 6, items: timeRange };

export const ROUTING_DOCUMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://omni.dev/schemas/routing-document.json',
  title: 'Omni routing document',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'default_queue', 'queues', 'rules'],
  properties: {
    version: { const: 1, description: 'Format version of the document (always 1).' },
    name: { type: 'string', maxLength: 200 },
    evaluation: { enum: ['first-match', 'scored'], default: 'first-match' },
    default_queue: { ...id, description: 'Queue for conversations no rule sends elsewhere; must be defined under queues.' },
    human_keywords: words,
    intents: {
      type: 'object',
      maxProperties: 50,
      propertyNames: id,
      additionalProperties: { type: 'object', propertyNames: { pattern: '^[a-z]{2,3}$' }, additionalProperties: words },
    },
    queues: {
      type: 'object',
      minProperties: 1,
      maxProperties: 200,
      propertyNames: id,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          skills: words,
          languages: { type: 'array', maxItems: 50, items: { type: 'string', pattern: '^[a-z]{2,3}$' } },
          hours: {
            type: 'object',
            additionalProperties: false,
            required: ['timezone', 'weekly'],
            properties: {
              timezone: { type: 'string', minLength: 1, maxLength: 64 },
              weekly: { type: 'object', additionalProperties: false, properties: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day } },
              holidays: { type: 'array', maxItems: 366, items: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
            },
          },
          overflow: {
            type: 'object',
            additionalProperties: false,
            required: ['queue'],
            properties: { queue: id, after_seconds: { type: 'integer', minimum: 0, maximum: 604800 } },
          },
          away_message: localized,
          in_hours_message: localized,
          first_response_target_seconds: { type: 'integer', minimum: 1, maximum: 604800 },
        },
      },
    },
    welcomes: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'entry_point', 'text'],
        properties: { id, entry_point: entryPoint, text: localized, quick_replies: quickReplies, bot: id },
      },
    },
    bots: {
      type: 'object',
      maxProperties: 100,
      propertyNames: id,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['questions'],
        properties: {
          questions: {
            type: 'array',
            minItems: 1,
            maxItems: 10,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['key', 'text'],
              properties: {
                key: id,
                text: localized,
                options: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 13,
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['title', 'payload'],
                    properties: { title: { type: 'string', minLength: 1, maxLength: 20 }, payload: { type: 'string', minLength: 1, maxLength: 200 }, synonyms: words },
                  },
                },
                pattern: { type: 'string', minLength: 1, maxLength: 200 },
              },
            },
          },
          max_attempts: { type: 'integer', minimum: 1, maximum: 5 },
          retry_text: localized,
          done_text: localized,
        },
      },
    },
    rules: {
      type: 'array',
      maxItems: 500,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'when', 'then'],
        properties: {
          id,
          description: { type: 'string', maxLength: 500 },
          score: { type: 'number', minimum: 0, maximum: 1000 },
          continue: { type: 'boolean' },
          when: {
            type: 'object',
            additionalProperties: false,
            properties: {
              channel: { type: 'array', minItems: 1, items: { enum: ['messenger', 'whatsapp', 'twitter', 'sms', 'telegram'] } },
              entry_point: entryPoint,
              language: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', pattern: '^[a-z]{2,3}$' } },
              keywords: words,
              intent: { type: 'array', minItems: 1, items: id },
              sentiment: { type: 'array', minItems: 1, items: { enum: ['negative', 'neutral', 'positive'] } },
              contact: {
                type: 'object',
                minProperties: 1,
                maxProperties: 20,
                propertyNames: { pattern: '^[a-z][a-z0-9_]{0,63}$' },
                additionalProperties: { oneOf: [words, numberMatcher] },
              },
              repeat_within_days: { type: 'integer', minimum: 1, maximum: 365 },
              last_csat: numberMatcher,
              bot_answers: { type: 'object', minProperties: 1, propertyNames: id, additionalProperties: words },
            },
          },
          then: {
            type: 'object',
            minProperties: 1,
            additionalProperties: false,
            properties: {
              queue: id,
              add_skills: words,
              priority: { type: 'integer', minimum: -1000, maximum: 1000 },
              priority_boost: { type: 'integer', minimum: -1000, maximum: 1000 },
              tags: words,
              auto_reply: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: localized, quick_replies: quickReplies } },
              bot: id,
              escalate: { type: 'boolean' },
            },
          },
        },
      },
    },
  },
} as const;
