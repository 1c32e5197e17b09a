import { Body, Controller, Get, Param, Put, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import type { Caller } from './caller.resolver.js';
import { PROJECT_QUOTA, QUOTA_CHANGE } from './project-quota.schemas.js';
import { ProjectQuotaService } from './project-quota.service.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

@Controller('api/v1/projects/:project/quota')
@ApiTag('projects', 'Projects scope repositories, members and robots.')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class ProjectQuotaController {
  constructor(private readonly quota: ProjectQuotaService) {}

  @Get()
  @ApiDoc({
    summary: "Read a project's storage limit and usage",
    description:
      'Needs `read` in the project. Usage counts each blob once per project and the manifests themselves; it changes in the transaction of every push and deletion.',
    response: PROJECT_QUOTA,
    errors: [403, 404],
  })
  get(@CurrentCaller() caller: Caller, @Param('project') project: string) {
    return this.quota.get(caller, project);
  }

  @Put()
  @ApiDoc({
    summary: "Set a project's storage limit",
    description:
      'System administrators only (403 for members). A push that would take the project past its limit is refused with the OCI error DENIED; a lower limit refuses new content and deletes nothing.',
    body: QUOTA_CHANGE,
    response: PROJECT_QUOTA,
    errors: [403, 404],
  })
  set(@CurrentCaller() caller: Caller, @Param('project') project: string, @Body() body: unknown) {
    return this.quota.set(caller, project, body);
  }
}
