import { defineSchema, object } from '../openapi/schema.js';

const DAYS = {
  type: 'integer',
  minimum: 0,
  maximum: 36_500,
  description: 'Events older than this many days are deleted; 0 keeps every event.',
} as const;

/** `PUT /api/v1/system/audit-retention` (`AuditRetentionService.set`). */
export const NEW_AUDIT_RETENTION = defineSchema('NewAuditRetention', object({ days: DAYS }, ['days']));

/** `GET|PUT /api/v1/system/audit-retention` (`AuditRetentionView`). */
export const AUDIT_RETENTION = defineSchema(
  'AuditRetention',
  object(
    {
      days: DAYS,
      isDefault: {
        type: 'boolean',
        description:
          'Whether `days` is the configured default (BERTH_AUDIT_RETENTION_DAYS): no administrator has set one.',
      },
    },
    ['days', 'isDefault'],
  ),
);
