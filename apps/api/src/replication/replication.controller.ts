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
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { CREATED_ID } from '../openapi/schema.js';
import { NEW_REGISTRY, REGISTRY, REGISTRY_CHANGES, REGISTRY_PING } from './registries.schemas.js';
import { RegistriesService } from './registries.service.js';
import {
  NEW_EXECUTION,
  NEW_REPLICATION_POLICY,
  REPLICATION_EXECUTION,
  REPLICATION_POLICY,
  REPLICATION_TASK,
  STARTED_EXECUTION,
} from './replication.schemas.js';
import { ReplicationService } from './replication.service.js';

type QueryBag = Record<string, unknown>;

/** Remote registries (`/api/v1/registries`). System administrators only. */
@Controller('api/v1/registries')
@ApiTag('registries', 'Remote registries to replicate to and from; system administrators only.')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class RegistriesController {
  constructor(private readonly registries: RegistriesService) {}

  @Post()
  @ApiDoc({
    summary: 'Add a remote registry',
    description: 'The password is stored encrypted and never answered.',
    body: NEW_REGISTRY,
    response: CREATED_ID,
    errors: [403, 409],
  })
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const { id } = await this.registries.create(caller, body);
    return { id };
  }

  @Get()
  @ApiDoc({ summary: 'List remote registries', list: REGISTRY, errors: [403] })
  list(@CurrentCaller() caller: Caller, @Query() query: QueryBag) {
    return this.registries.list(caller, query);
  }

  @Get(':id')
  @ApiDoc({ summary: 'Read a remote registry', response: REGISTRY, errors: [403, 404] })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.registries.get(caller, id);
  }

  @Put(':id')
  @ApiDoc({
    summary: 'Change a remote registry',
    body: REGISTRY_CHANGES,
    response: REGISTRY,
    errors: [403, 404, 409],
  })
  update(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.registries.update(caller, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({ summary: 'Remove a remote registry', errors: [403, 404, 409] })
  delete(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.registries.delete(caller, id);
  }

  @Post(':id/ping')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Check a remote registry',
    description:
      "Calls the remote's `/v2/` with the stored credentials: whether it answers and accepts them.",
    response: REGISTRY_PING,
    errors: [403, 404],
  })
  ping(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.registries.ping(caller, id);
  }
}

/** Replication policies and executions (`/api/v1/replication`). System administrators only. */
@Controller('api/v1/replication')
@ApiTag('replication', 'Replication policies and their executions; system administrators only.')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class ReplicationController {
  constructor(private readonly replication: ReplicationService) {}

  @Post('policies')
  @ApiDoc({
    summary: 'Create a replication policy',
    description: 'A name in use is 409; a `registryId` that names no registry is 404.',
    body: NEW_REPLICATION_POLICY,
    response: CREATED_ID,
    errors: [403, 404, 409],
  })
  async createPolicy(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const { id } = await this.replication.createPolicy(caller, body);
    return { id };
  }

  @Get('policies')
  @ApiDoc({ summary: 'List replication policies', list: REPLICATION_POLICY, errors: [403] })
  listPolicies(@CurrentCaller() caller: Caller, @Query() query: QueryBag) {
    return this.replication.listPolicies(caller, query);
  }

  @Get('policies/:id')
  @ApiDoc({ summary: 'Read a replication policy', response: REPLICATION_POLICY, errors: [403, 404] })
  getPolicy(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.getPolicy(caller, id);
  }

  @Put('policies/:id')
  @ApiDoc({
    summary: 'Replace a replication policy',
    description: 'Every field, as on create.',
    body: NEW_REPLICATION_POLICY,
    response: REPLICATION_POLICY,
    errors: [403, 404, 409],
  })
  replacePolicy(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.replication.replacePolicy(caller, id, body);
  }

  @Delete('policies/:id')
  @HttpCode(204)
  @ApiDoc({ summary: 'Delete a replication policy', description: 'With its executions.', errors: [403, 404] })
  deletePolicy(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.deletePolicy(caller, id);
  }

  @Post('executions')
  @ApiDoc({
    summary: 'Start a replication execution',
    description:
      'Creates a `pending` execution of the policy and queues it for the worker. A disabled policy is 409.',
    body: NEW_EXECUTION,
    response: STARTED_EXECUTION,
    errors: [403, 409],
  })
  startExecution(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.replication.startExecution(caller, body);
  }

  @Get('executions')
  @ApiDoc({
    summary: 'List replication executions',
    description: 'Newest first.',
    list: REPLICATION_EXECUTION,
    query: [
      {
        name: 'policyId',
        description: 'Only the executions of this policy.',
        schema: { type: 'string', maxLength: 19 },
      },
    ],
    errors: [403],
  })
  listExecutions(@CurrentCaller() caller: Caller, @Query() query: QueryBag) {
    return this.replication.listExecutions(caller, query);
  }

  @Get('executions/:id')
  @ApiDoc({ summary: 'Read a replication execution', response: REPLICATION_EXECUTION, errors: [403, 404] })
  getExecution(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.getExecution(caller, id);
  }

  @Get('executions/:id/tasks')
  @ApiDoc({
    summary: "List an execution's tasks",
    description: 'One task per artifact copied (or deleted).',
    list: REPLICATION_TASK,
    errors: [403, 404],
  })
  listTasks(@CurrentCaller() caller: Caller, @Param('id') id: string, @Query() query: QueryBag) {
    return this.replication.listTasks(caller, id, query);
  }

  @Post('executions/:id/stop')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Stop a replication execution',
    description: 'Pending tasks stop at once, running ones at their next step. A finished execution is 409.',
    response: REPLICATION_EXECUTION,
    errors: [403, 404, 409],
  })
  stopExecution(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.replication.stopExecution(caller, id);
  }
}
