import { Body, Controller, Get, Put, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminAuthGuard, CurrentCaller } from '../admin/admin-auth.guard.js';
import type { Caller } from '../admin/caller.resolver.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { AUDIT_RETENTION, NEW_AUDIT_RETENTION } from './audit-retention.schemas.js';
import { AuditRetentionService } from './audit-retention.service.js';

/** `GET|PUT /api/v1/system/audit-retention` `{days}`: how long audit events are kept. */
@Controller('api/v1/system/audit-retention')
@ApiTag('audit log')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class AuditRetentionController {
  constructor(private readonly retention: AuditRetentionService) {}

  @Get()
  @ApiDoc({
    summary: 'Read the audit log retention',
    description: 'System administrators only.',
    response: AUDIT_RETENTION,
    errors: [403],
  })
  get(@CurrentCaller() caller: Caller) {
    return this.retention.get(caller);
  }

  @Put()
  @ApiDoc({
    summary: 'Set the audit log retention',
    description:
      "Events older than `days` are deleted by the worker's daily purge; 0 keeps every event. System administrators only; the change is itself audited.",
    body: NEW_AUDIT_RETENTION,
    response: AUDIT_RETENTION,
    errors: [403],
  })
  set(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.retention.set(caller, body);
  }
}
