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
import { PROJECT_SORT_KEYS } from '@berth/db';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import type { Caller } from './caller.resolver.js';
import { PagingInterceptor } from './paging.interceptor.js';
import {
  CREATED_PROJECT,
  NEW_PROJECT,
  PROJECT,
  PROJECT_CHANGES,
  PROJECT_DETAIL,
} from './projects.schemas.js';
import { ProjectsService } from './projects.service.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

@Controller('api/v1/projects')
@ApiTag('projects', 'Projects scope repositories, members and robots.')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @ApiDoc({
    summary: 'Create a project',
    description: 'Any user (robots: 403); the creator becomes its `admin` member. A taken name is 409.',
    body: NEW_PROJECT,
    response: CREATED_PROJECT,
    errors: [403, 409],
  })
  create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.projects.create(caller, body);
  }

  @Get()
  @ApiDoc({
    summary: 'List projects',
    description:
      'A system administrator sees every project, a user the public ones and those they are a member of, a robot the public ones.',
    list: PROJECT,
    listing: { q: 'Matches the name.', sort: PROJECT_SORT_KEYS },
  })
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.projects.list(caller, query);
  }

  @Get(':project')
  @ApiDoc({
    summary: 'Read a project',
    description: 'Needs `read` in the project: 403 when it exists and the caller may not read it, else 404.',
    response: PROJECT_DETAIL,
    errors: [403, 404],
  })
  get(@CurrentCaller() caller: Caller, @Param('project') project: string) {
    return this.projects.get(caller, project);
  }

  @Put(':project')
  @ApiDoc({
    summary: "Change a project's settings",
    description: 'Needs `update` in the project. Absent fields keep their value.',
    body: PROJECT_CHANGES,
    response: PROJECT,
    errors: [403, 404],
  })
  update(@CurrentCaller() caller: Caller, @Param('project') project: string, @Body() body: unknown) {
    return this.projects.update(caller, project, body);
  }

  @Delete(':project')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a project',
    description:
      'Needs `update` in the project. 409 while it holds repositories, unless `force=true`, which deletes them too; their blobs go at the next garbage collection.',
    query: [{ name: 'force', schema: { type: 'string', enum: ['true', 'false'], default: 'false' } }],
    errors: [403, 404, 409],
  })
  remove(@CurrentCaller() caller: Caller, @Param('project') project: string, @Query('force') force: unknown) {
    return this.projects.remove(caller, project, force);
  }
}
