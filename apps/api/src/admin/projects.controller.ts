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
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import type { Caller } from './caller.resolver.js';
import { PagingInterceptor } from './paging.interceptor.js';
import { ProjectsService } from './projects.service.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

@Controller('api/v1/projects')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.projects.create(caller, body);
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.projects.list(caller, query);
  }

  @Get(':project')
  get(@CurrentCaller() caller: Caller, @Param('project') project: string) {
    return this.projects.get(caller, project);
  }

  @Put(':project')
  update(@CurrentCaller() caller: Caller, @Param('project') project: string, @Body() body: unknown) {
    return this.projects.update(caller, project, body);
  }

  @Delete(':project')
  @HttpCode(204)
  remove(@CurrentCaller() caller: Caller, @Param('project') project: string, @Query('force') force: unknown) {
    return this.projects.remove(caller, project, force);
  }
}
