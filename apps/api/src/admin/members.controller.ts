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
import { MEMBER, NEW_MEMBER, ROLE_CHANGE } from './members.schemas.js';
import { MembersService } from './members.service.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';

@Controller('api/v1/projects/:project/members')
@ApiTag(
  'members',
  "A project's members and their roles; every call needs the project's `members` permission.",
)
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Post()
  @ApiDoc({
    summary: 'Add a member',
    description:
      'A `username` that names no user is 400; a user already a member is 409 (change the role with PUT).',
    body: NEW_MEMBER,
    response: MEMBER,
    errors: [403, 404, 409],
  })
  add(@CurrentCaller() caller: Caller, @Param('project') project: string, @Body() body: unknown) {
    return this.members.add(caller, project, body);
  }

  @Get()
  @ApiDoc({
    summary: 'List members',
    description: 'By username; not paged.',
    response: { type: 'array', items: MEMBER },
    errors: [403, 404],
  })
  list(@CurrentCaller() caller: Caller, @Param('project') project: string) {
    return this.members.list(caller, project);
  }

  @Put(':userId')
  @ApiDoc({ summary: "Change a member's role", body: ROLE_CHANGE, response: MEMBER, errors: [403, 404] })
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
  @ApiDoc({ summary: 'Remove a member', errors: [403, 404] })
  remove(
    @CurrentCaller() caller: Caller,
    @Param('project') project: string,
    @Param('userId') userId: string,
  ) {
    return this.members.remove(caller, project, userId);
  }
}
