import {
  REPLICATION_FLATTENINGS,
  type ReplicationFlattening,
  type ReplicationPolicyFields,
  type ReplicationTrigger,
  type ReplicationTriggerType,
} from '@berth/db';
import { cronProblem, normalizeCron } from '@berth/jobs';
import { invalid } from '../admin/admin.errors.js';
import {
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredString,
  type JsonObject,
} from '../admin/body.validation.js';

const NAME = { max: 128, pattern: /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, patternHint: 'letters, digits, . _ -' };
const NAMESPACE = {
  max: 255,
  pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
  patternHint: 'a repository path component',
};
const GLOB = {
  max: 512,
  pattern: /^[A-Za-z0-9._\-/*?{},]+$/,
  patternHint: 'a glob of name characters, * ** ? {a,b}',
};
const TRIGGERS: readonly ReplicationTriggerType[] = ['manual', 'scheduled', 'event'];

/** Limits of a policy, with their defaults (docs/replication.md). */
export const POLICY_LIMITS = {
  bandwidthLimitKbps: { min: 1, max: 10 * 1024 * 1024 },
  concurrency: { min: 1, max: 64, default: 4 },
  attempts: { min: 1, max: 10, default: 3 },
  backoffSeconds: { min: 0, max: 3600, default: 1 },
} as const;

/**
 * A policy body (POST, and PUT which replaces every field) as the fields to store. Every
 * failure is a 400 naming the field, nested ones by their path (`trigger.cron`, `retry.attempts`).
 */
export function parsePolicy(fields: JsonObject): ReplicationPolicyFields {
  const mode = fields.mode;
  if (mode !== 'push' && mode !== 'pull') throw invalid('mode', 'must be push or pull');
  const registryId = fields.registryId;
  const registry = typeof registryId === 'number' ? String(registryId) : registryId;
  if (typeof registry !== 'string' || !/^[1-9][0-9]{0,18}$/.test(registry)) {
    throw invalid('registryId', 'must be a registry id');
  }
  const filters = nested(fields, 'filters');
  const retry = nested(fields, 'retry');
  const legacyAttempts = optionalInteger(fields, 'maxAttempts', POLICY_LIMITS.attempts);
  const bandwidth = fields.bandwidthLimitKbps;
  return {
    name: requiredString(fields, 'name', NAME),
    mode,
    registryId: registry,
    sourceNamespace: optionalString(fields, 'sourceNamespace', NAMESPACE) ?? null,
    destinationNamespace: optionalString(fields, 'destinationNamespace', NAMESPACE) ?? null,
    flattening: parseFlattening(fields.flattening),
    filters: {
      repository: optionalString(filters, 'filters.repository', GLOB) ?? null,
      tag: optionalString(filters, 'filters.tag', GLOB) ?? null,
    },
    trigger: parseTrigger(nested(fields, 'trigger'), mode),
    override: optionalBoolean(fields, 'override') ?? true,
    enabled: optionalBoolean(fields, 'enabled') ?? true,
    // 0 and null both mean "no limit" (Harbor's UI says -1; a number is clearer).
    bandwidthLimitKbps:
      bandwidth === 0
        ? null
        : (optionalInteger(fields, 'bandwidthLimitKbps', POLICY_LIMITS.bandwidthLimitKbps) ?? null),
    concurrency:
      optionalInteger(fields, 'concurrency', POLICY_LIMITS.concurrency) ?? POLICY_LIMITS.concurrency.default,
    retry: {
      attempts:
        optionalInteger(retry, 'retry.attempts', POLICY_LIMITS.attempts) ??
        legacyAttempts ??
        POLICY_LIMITS.attempts.default,
      backoffSeconds:
        optionalInteger(retry, 'retry.backoffSeconds', POLICY_LIMITS.backoffSeconds) ??
        POLICY_LIMITS.backoffSeconds.default,
    },
  };
}

/** `"none"`, `1`, `2` or `"all"`; absent or null: `1`, the naming of policies made before it existed. */
function parseFlattening(value: unknown): ReplicationFlattening {
  if (value === undefined || value === null) return 1;
  if (!REPLICATION_FLATTENINGS.includes(value as ReplicationFlattening)) {
    throw invalid('flattening', 'must be "none", 1, 2 or "all"');
  }
  return value as ReplicationFlattening;
}

function parseTrigger(trigger: JsonObject, mode: 'push' | 'pull'): ReplicationTrigger {
  const type = (trigger['trigger.type'] ?? 'manual') as ReplicationTriggerType;
  if (!TRIGGERS.includes(type)) throw invalid('trigger.type', `must be one of ${TRIGGERS.join(', ')}`);
  const rawCron = optionalString(trigger, 'trigger.cron', { max: 128 });
  let cron: string | null = null;
  if (type === 'scheduled') {
    if (rawCron === undefined) throw invalid('trigger.cron', 'is required for a scheduled trigger');
    const problem = cronProblem(rawCron);
    if (problem !== undefined) throw invalid('trigger.cron', problem);
    cron = normalizeCron(rawCron);
  } else if (rawCron !== undefined) {
    throw invalid('trigger.cron', 'applies to scheduled triggers only');
  }
  if (type === 'event' && mode === 'pull') {
    throw invalid('trigger.type', 'event needs mode push: Berth sees its own pushes, not the remote’s');
  }
  const replicateDeletion = optionalBoolean(trigger, 'trigger.replicateDeletion') ?? false;
  if (replicateDeletion && type !== 'event') {
    throw invalid('trigger.replicateDeletion', 'applies to event triggers only');
  }
  return { type, cron, replicateDeletion };
}

/**
 * The object at `field` with its keys prefixed by the field's path, so the helpers of
 * body.validation name `trigger.cron` rather than `cron`. Absent or null: an empty object.
 */
function nested(fields: JsonObject, field: string): JsonObject {
  const value = fields[field];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'must be an object');
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [`${field}.${key}`, inner]));
}
