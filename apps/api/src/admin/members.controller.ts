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
import { MembersService } from './members.service.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

@Controller('api/v1/projects/:project/members')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Post()
  add(@CurrentCaller() caller: Caller, @Param('project') project: string, @Body() body: unknown) {
    return this.members.add(caller, project, body);
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Param('project') project: string) {
    return this.members.list(caller, project);
  }

  @Put(':userId')
  setRole(
    @CurrentCaller() caller: Caller,
    @Param('project') project: string,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ) {
    return this.members.setRole(caller, project, userId, body);
  }

  @Delete(':userId')
  @HttpCode(204)
  remove(
    @CurrentCaller() caller: Caller,
    @Param('project') project: string,
    @Param('userId') userId: string,
  ) {
    return this.members.remove(caller, project, userId);
  }
}
