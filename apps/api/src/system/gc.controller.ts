import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { AdminAuthGuard, CurrentCaller } from '../admin/admin-auth.guard.js';
import type { Caller } from '../admin/caller.resolver.js';
import { PagingInterceptor } from '../admin/paging.interceptor.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { GcConflictFilter } from './gc-conflict.filter.js';
import { GcService } from './gc.service.js';

/** Garbage collection: runs, their history, stop, and the schedule. System administrators only. */
@Controller('api/v1/system/gc')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
@UseFilters(GcConflictFilter)
export class GcController {
  constructor(private readonly gc: GcService) {}

  @Post()
  async start(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const { id } = await this.gc.start(caller, body);
    return { id };
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.gc.list(caller, query);
  }

  @Get('schedule')
  schedule(@CurrentCaller() caller: Caller) {
    return this.gc.schedule(caller);
  }

  @Put('schedule')
  setSchedule(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.gc.setSchedule(caller, body);
  }

  @Get(':id')
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.gc.get(caller, id);
  }

  @Post(':id/stop')
  @HttpCode(202)
  stop(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.gc.stop(caller, id);
  }
}
