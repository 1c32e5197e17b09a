import { Body, Controller, Get, Put, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminAuthGuard, CurrentCaller } from '../admin/admin-auth.guard.js';
import type { Caller } from '../admin/caller.resolver.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { AuditRetentionService } from './audit-retention.service.js';

/** `GET|PUT /api/v1/system/audit-retention` `{days}`: how long audit events are kept. */
@Controller('api/v1/system/audit-retention')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class AuditRetentionController {
  constructor(private readonly retention: AuditRetentionService) {}

  @Get()
  get(@CurrentCaller() caller: Caller) {
    return this.retention.get(caller);
  }

  @Put()
  set(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.retention.set(caller, body);
  }
}
