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
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import type { Caller } from './caller.resolver.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';
import { RobotsService } from './robots.service.js';

/** A project's robots, `robot$<project>+<name>`; needs the project's `robots` permission. */
@Controller('api/v1/projects/:project/robots')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class ProjectRobotsController {
  constructor(private readonly robots: RobotsService) {}

  @Post()
  create(@CurrentCaller() caller: Caller, @Param('project') project: string, @Body() body: unknown) {
    return this.robots.create(caller, { project }, body);
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Param('project') project: string) {
    return this.robots.list(caller, { project });
  }

  @Post(':id/secret')
  @HttpCode(200)
  rotate(@CurrentCaller() caller: Caller, @Param('project') project: string, @Param('id') id: string) {
    return this.robots.rotate(caller, { project }, id);
  }

  @Put(':id/disabled')
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
  remove(@CurrentCaller() caller: Caller, @Param('project') project: string, @Param('id') id: string) {
    return this.robots.remove(caller, { project }, id);
  }
}
