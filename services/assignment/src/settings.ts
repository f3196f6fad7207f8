import type { AssignmentConfig } from './config';
import type { Strategy } from './domain/matching';

export const SETTINGS = Symbol('omni.assignment.settings');

/** The parsed configuration the engine and handlers use. */
export interface AssignmentSettings {
  sweepMs: number;
  heartbeatTimeoutMs: number;
  requeueGraceMs: number;
  defaultStrategy: Strategy;
  channelWeights: Readonly<Record<string, number>>;
  vipWeight: number;
  /** Router priority from which a conversation counts as VIP. */
  vipPriority: number;
  firstResponseMs: number;
  nextResponseMs: number;
  slaWarningRatio: number;
  /** Initial average handle time of a queue, before resolutions teach it (estimated wait). */
  defaultHandleMs: number;
  /** Most queued conversations one pass considers (bounds memory; the rest wait for the next pass). */
  passLimit: number;
  normalizerUrl: string;
}

export function parseChannelWeights(value: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const pair of value.split(',').filter(Boolean)) {
    const [channel, weight] = pair.split('=');
    weights[channel!] = Number(weight);
  }
  return weights;
}

export function settingsFrom(config: AssignmentConfig): AssignmentSettings {
  return {
    sweepMs: config.ASSIGNMENT_SWEEP_MS,
    heartbeatTimeoutMs: config.ASSIGNMENT_HEARTBEAT_TIMEOUT_MS,
    requeueGraceMs: config.ASSIGNMENT_REQUEUE_GRACE_MS,
    defaultStrategy: config.ASSIGNMENT_DEFAULT_STRATEGY as Strategy,
    channelWeights: parseChannelWeights(config.ASSIGNMENT_CHANNEL_WEIGHTS),
    vipWeight: config.ASSIGNMENT_VIP_WEIGHT,
    vipPriority: 10,
    firstResponseMs: config.ASSIGNMENT_FIRST_RESPONSE_SECONDS * 1000,
    nextResponseMs: config.ASSIGNMENT_NEXT_RESPONSE_SECONDS * 1000,
    slaWarningRatio: config.ASSIGNMENT_SLA_WARNING_RATIO,
    defaultHandleMs: 300_000,
    passLimit: 5_000,
    normalizerUrl: config.NORMALIZER_URL.replace(/\/+$/, ''),
  };
}
