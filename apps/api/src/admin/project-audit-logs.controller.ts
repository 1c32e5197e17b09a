import { Controller, Get, Param, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
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
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class ProjectAuditLogsController {
  constructor(private readonly auditLogs: AuditLogsService) {}

  @Get()
  list(
    @CurrentCaller() caller: Caller,
    @Param('project') project: string,
    @Query() query: Record<string, unknown>,
  ) {
    return this.auditLogs.listProject(caller, project, query);
  }
}
