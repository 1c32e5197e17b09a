import { Controller, Get, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import { AuditLogsService } from './audit-logs.service.js';
import type { Caller } from './caller.resolver.js';
import { PagingInterceptor } from './paging.interceptor.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

@Controller('api/v1/audit-logs')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class AuditLogsController {
  constructor(private readonly auditLogs: AuditLogsService) {}

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.auditLogs.list(caller, query);
  }
}
