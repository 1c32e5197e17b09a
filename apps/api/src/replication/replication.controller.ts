import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { AdminAuthGuard, CurrentCaller } from '../admin/admin-auth.guard.js';
import type { Caller } from '../admin/caller.resolver.js';
import { PagingInterceptor } from '../admin/paging.interceptor.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { RegistriesService } from './registries.service.js';
import { ReplicationService } from './replication.service.js';

type QueryBag = Record<string, unknown>;

/** Remote registries (`/api/v1/registries`). System administrators only. */
@Controller('api/v1/registries')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class RegistriesController {
  constructor(private readonly registries: RegistriesService) {}

  @Post()
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const { id } = await this.registries.create(caller, body);
    return { id };
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: QueryBag) {
    return this.registries.list(caller, query);
  }

  @Get(':id')
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.registries.get(caller, id);
  }

  @Put(':id')
  update(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.registries.update(caller, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.registries.delete(caller, id);
  }

  @Post(':id/ping')
  @HttpCode(200)
  ping(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.registries.ping(caller, id);
  }
}

/** Replication policies and executions (`/api/v1/replication`). System administrators only. */
@Controller('api/v1/replication')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class ReplicationController {
  constructor(private readonly replication: ReplicationService) {}

  @Post('policies')
  async createPolicy(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const { id } = await this.replication.createPolicy(caller, body);
    return { id };
  }

  @Get('policies')
  listPolicies(@CurrentCaller() caller: Caller, @Query() query: QueryBag) {
    return this.replication.listPolicies(caller, query);
  }

  @Get('policies/:id')
  getPolicy(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.getPolicy(caller, id);
  }

  @Put('policies/:id')
  replacePolicy(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.replication.replacePolicy(caller, id, body);
  }

  @Delete('policies/:id')
  @HttpCode(204)
  deletePolicy(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.deletePolicy(caller, id);
  }

  @Post('executions')
  startExecution(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.replication.startExecution(caller, body);
  }

  @Get('executions')
  listExecutions(@CurrentCaller() caller: Caller, @Query() query: QueryBag) {
    return this.replication.listExecutions(caller, query);
  }

  @Get('executions/:id')
  getExecution(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.getExecution(caller, id);
  }

  @Get('executions/:id/tasks')
  listTasks(@CurrentCaller() caller: Caller, @Param('id') id: string, @Query() query: QueryBag) {
    return this.replication.listTasks(caller, id, query);
  }

  @Post('executions/:id/stop')
  @HttpCode(202)
  stopExecution(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.stopExecution(caller, id);
  }
}
