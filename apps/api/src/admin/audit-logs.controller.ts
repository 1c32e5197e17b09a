import { Controller, Get, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import { AUDIT_EVENT, AUDIT_FILTERS } from './audit-logs.schemas.js';
import { AuditLogsService } from './audit-logs.service.js';
import type { Caller } from './caller.resolver.js';
import { PagingInterceptor } from './paging.interceptor.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

@Controller('api/v1/audit-logs')
@ApiTag('audit log', 'Who did what, when, from where.')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class AuditLogsController {
  constructor(private readonly auditLogs: AuditLogsService) {}

  @Get()
  @ApiDoc({
    summary: 'List audit events',
    description: 'Newest first (`sort` is ignored). System administrators only.',
    list: AUDIT_EVENT,
    listing: { q: 'Matches the actor, the action or the resource.' },
    query: AUDIT_FILTERS,
    errors: [403],
  })
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.auditLogs.list(caller, query);
  }
}
