import { Controller, Delete, Get, HttpCode, Param, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { REPOSITORY_SORTS } from '@berth/db';
import { ApiCredentials, ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { PagingInterceptor } from '../admin/paging.interceptor.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { ContentViewerGuard, CurrentViewer, type Viewer } from './content-viewer.guard.js';
import { CURSOR_PARAMETER, REPOSITORY_PARAMETER } from './content.docs.js';
import { REPOSITORY, REPOSITORY_DETAIL } from './content.schemas.js';
import { RepositoriesService } from './repositories.service.js';

@Controller('api/v1')
@ApiTag('repositories', 'Repositories of the projects: listed, read and deleted with their artifacts.')
// Reads of public projects need no credentials; changes do (anonymous callers get a 401).
@ApiCredentials('optional')
@UseGuards(ContentViewerGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class RepositoriesController {
  constructor(private readonly repositories: RepositoriesService) {}

  @Get('repositories')
  @ApiDoc({
    summary: 'List repositories across projects',
    description:
      'Every repository the caller may pull from: a system administrator sees all, others public projects and their own; anonymous callers public projects only. Only repositories holding a manifest. `Link: rel="next"` carries a `cursor`.',
    list: REPOSITORY,
    listing: { q: 'Matches the full name.', sort: REPOSITORY_SORTS },
    query: [CURSOR_PARAMETER],
  })
  listAll(@CurrentViewer() viewer: Viewer, @Query() query: Record<string, unknown>) {
    return this.repositories.listAll(viewer, query);
  }

  @Get('projects/:project/repositories')
  @ApiDoc({
    summary: "List a project's repositories",
    description:
      'Needs `pull` in the project (anonymous: public projects). `Link: rel="next"` carries a `cursor`.',
    list: REPOSITORY,
    listing: { q: 'Matches the full name.', sort: REPOSITORY_SORTS },
    query: [CURSOR_PARAMETER],
    errors: [404],
  })
  listProject(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Query() query: Record<string, unknown>,
  ) {
    return this.repositories.listProject(viewer, project, query);
  }

  @Get('projects/:project/repositories/:repository')
  @ApiDoc({
    summary: 'Read a repository',
    description: 'Needs `pull` in the project. Counts, pulls, size and last push.',
    params: { repository: REPOSITORY_PARAMETER },
    response: REPOSITORY_DETAIL,
    errors: [404],
  })
  get(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
  ) {
    return this.repositories.get(viewer, project, repository);
  }

  @Delete('projects/:project/repositories/:repository')
  @HttpCode(204)
  @ApiDoc({
    credentials: 'required',
    summary: 'Delete a repository with all its artifacts',
    description:
      'Needs `delete` in the project (maintainer, admin, a robot with `delete`, a system administrator). Storage quota usage is released at once; blobs go at the next garbage collection.',
    params: { repository: REPOSITORY_PARAMETER },
    errors: [403, 404],
  })
  remove(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
  ) {
    return this.repositories.remove(viewer, project, repository);
  }
}
