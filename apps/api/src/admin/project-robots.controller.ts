import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import type { Caller } from './caller.resolver.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';
import { CREATED_ROBOT, NEW_PROJECT_ROBOT, ROBOT, ROBOT_SECRET } from './robots.schemas.js';
import { RobotsService } from './robots.service.js';
import { DISABLED_CHANGE } from './users.schemas.js';

/** A project's robots, `robot$<project>+<name>`; needs the project's `robots` permission. */
@Controller('api/v1/projects/:project/robots')
@ApiTag(
  'project robots',
  "A project's robot accounts, `robot$<project>+<name>`; every call needs the project's `robots` permission.",
)
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class ProjectRobotsController {
  constructor(private readonly robots: RobotsService) {}

  @Post()
  @ApiDoc({
    summary: 'Create a robot',
    description: 'The answer holds the secret, the only time it is shown. A taken name is 409.',
    body: NEW_PROJECT_ROBOT,
    response: CREATED_ROBOT,
    errors: [403, 404, 409],
  })
  create(@CurrentCaller() caller: Caller, @Param('project') project: string, @Body() body: unknown) {
    return this.robots.create(caller, { project }, body);
  }

  @Get()
  @ApiDoc({
    summary: 'List robots',
    description: 'By name; not paged.',
    response: { type: 'array', items: ROBOT },
    errors: [403, 404],
  })
  list(@CurrentCaller() caller: Caller, @Param('project') project: string) {
    return this.robots.list(caller, { project });
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiDoc({
    summary: "Rotate a robot's secret",
    description: "The old secret stops working at once and the robot's refresh tokens are revoked.",
    response: ROBOT_SECRET,
    errors: [403, 404],
  })
  rotate(@CurrentCaller() caller: Caller, @Param('project') project: string, @Param('id') id: string) {
    return this.robots.rotate(caller, { project }, id);
  }

  @Put(':id/disabled')
  @ApiDoc({
    summary: 'Disable or enable a robot',
    body: DISABLED_CHANGE,
    response: ROBOT,
    errors: [403, 404],
  })
  setDisabled(
    @CurrentCaller() caller: Caller,
    @Param('project') project: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.robots.setDisabled(caller, { project }, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({ summary: 'Delete a robot', errors: [403, 404] })
  remove(@CurrentCaller() caller: Caller, @Param('project') project: string, @Param('id') id: string) {
    return this.robots.remove(caller, { project }, id);
  }
}
