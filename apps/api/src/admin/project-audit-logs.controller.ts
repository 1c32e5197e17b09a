import { Controller, Get, Param, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import { AUDIT_EVENT, AUDIT_FILTERS } from './audit-logs.schemas.js';
import { AuditLogsService } from './audit-logs.service.js';
import type { Caller } from './caller.resolver.js';
import { PagingInterceptor } from './paging.interceptor.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

/**
 * A project's own audit events (its settings, members, robots, and its repositories' pushes,
 * pulls and deletes), with the filters and pages of `/api/v1/audit-logs`. Project admins and
 * maintainers (the `logs` permission) and system administrators.
 */
@Controller('api/v1/projects/:project/audit-logs')
@ApiTag('audit log')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class ProjectAuditLogsController {
  constructor(private readonly auditLogs: AuditLogsService) {}

  @Get()
  @ApiDoc({
    summary: "List a project's audit events",
    description:
      "Newest first (`sort` is ignored): the project's settings, members and robots, and its repositories' pushes, pulls (aggregated per window) and deletes. Project admins and maintainers, and system administrators.",
    list: AUDIT_EVENT,
    listing: { q: 'Matches the actor, the action or the resource.' },
    query: AUDIT_FILTERS,
    errors: [403, 404],
  })
  list(
    @CurrentCaller() caller: Caller,
    @Param('project') project: string,
    @Query() query: Record<string, unknown>,
  ) {
    return this.auditLogs.listProject(caller, project, query);
  }
}
