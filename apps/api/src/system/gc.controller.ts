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
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { CREATED_ID } from '../openapi/schema.js';
import type { Caller } from '../admin/caller.resolver.js';
import { PagingInterceptor } from '../admin/paging.interceptor.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { GcConflictFilter } from './gc-conflict.filter.js';
import { GC_RUN, GC_RUN_ACTIVE, GC_RUN_OPTIONS, GC_SCHEDULE, GC_SCHEDULE_CHANGE } from './gc.schemas.js';
import { GcService } from './gc.service.js';

/** Garbage collection: runs, their history, stop, and the schedule. System administrators only. */
@Controller('api/v1/system/gc')
@ApiTag(
  'garbage collection',
  'Online garbage collection: runs, their history, stop, and the schedule; system administrators only.',
)
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
@UseFilters(GcConflictFilter)
export class GcController {
  constructor(private readonly gc: GcService) {}

  @Post()
  @ApiDoc({
    summary: 'Start a garbage collection',
    description:
      'Creates a `pending` run and queues it for the worker; the answer waits for neither the run nor Redis. The body may be absent.',
    body: GC_RUN_OPTIONS,
    bodyOptional: true,
    response: CREATED_ID,
    errors: [403, GC_RUN_ACTIVE],
  })
  async start(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const { id } = await this.gc.start(caller, body);
    return { id };
  }

  @Get()
  @ApiDoc({
    summary: 'List garbage collection runs',
    description: 'Newest first, without `log` and `report`.',
    list: GC_RUN,
    errors: [403],
  })
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.gc.list(caller, query);
  }

  @Get('schedule')
  @ApiDoc({ summary: 'Read the schedule', response: GC_SCHEDULE, errors: [403] })
  schedule(@CurrentCaller() caller: Caller) {
    return this.gc.schedule(caller);
  }

  @Put('schedule')
  @ApiDoc({
    summary: 'Set the schedule',
    description: 'Answers the schedule as stored (spaces of `cron` normalised).',
    body: GC_SCHEDULE_CHANGE,
    response: GC_SCHEDULE,
    errors: [403],
  })
  setSchedule(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.gc.setSchedule(caller, body);
  }

  @Get(':id')
  @ApiDoc({ summary: 'Read a garbage collection run', response: GC_RUN, errors: [403, 404] })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.gc.get(caller, id);
  }

  @Post(':id/stop')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Stop a garbage collection run',
    description:
      'A `pending` run stops at once, a `running` one at its next batch (`stopRequested`). A finished run is 409.',
    response: GC_RUN,
    errors: [403, 404, 409],
  })
  stop(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.gc.stop(caller, id);
  }
}
