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
import { USER_SORT_KEYS } from '@berth/db';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { AdminAuthGuard, CurrentCaller } from './admin-auth.guard.js';
import type { Caller } from './caller.resolver.js';
import { PagingInterceptor } from './paging.interceptor.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';
import {
  CREATED_USER,
  DISABLED_CHANGE,
  NEW_USER,
  PASSWORD_CHANGE,
  SYSTEM_ADMIN_CHANGE,
  USER,
} from './users.schemas.js';
import { UsersService } from './users.service.js';

@Controller('api/v1/users')
@ApiTag('users', 'User accounts. System administrators manage everyone; a user reads themselves.')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiDoc({
    summary: 'Create a user',
    description: 'System administrators only. A taken username is 409.',
    body: NEW_USER,
    response: CREATED_USER,
    errors: [403, 409],
  })
  create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.users.create(caller, body);
  }

  @Get()
  @ApiDoc({
    summary: 'List users',
    description: 'System administrators only.',
    list: USER,
    listing: { q: 'Matches the username or the email.', sort: USER_SORT_KEYS },
    errors: [403],
  })
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.users.list(caller, query);
  }

  @Get('current')
  @ApiDoc({
    summary: 'Read the calling user',
    description: 'Robots have no user profile (403).',
    response: USER,
    errors: [403],
  })
  current(@CurrentCaller() caller: Caller) {
    return this.users.current(caller);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Read a user',
    description: 'System administrators, or that user.',
    response: USER,
    errors: [403, 404],
  })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.users.get(caller, id);
  }

  @Put(':id/password')
  @HttpCode(204)
  @ApiDoc({
    summary: "Change a user's password",
    description:
      "A system administrator sets anyone's; a user changing their own sends `oldPassword` (400 without it, 403 when wrong). Revokes the user's refresh tokens.",
    body: PASSWORD_CHANGE,
    errors: [403, 404],
  })
  changePassword(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.users.changePassword(caller, id, body);
  }

  @Put(':id/disabled')
  @ApiDoc({
    summary: 'Disable or enable a user',
    description:
      'System administrators only. Nobody disables themselves, nor the last enabled system administrator (409).',
    body: DISABLED_CHANGE,
    response: USER,
    errors: [403, 404, 409],
  })
  setDisabled(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.users.setDisabled(caller, id, body);
  }

  @Put(':id/admin')
  @ApiDoc({
    summary: 'Grant or revoke system administration',
    description: 'System administrators only. The last enabled system administrator stays one (409).',
    body: SYSTEM_ADMIN_CHANGE,
    response: USER,
    errors: [403, 404, 409],
  })
  setSystemAdmin(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.users.setSystemAdmin(caller, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a user',
    description:
      'System administrators only. Removes their memberships; nobody deletes themselves or the last enabled system administrator (409).',
    errors: [403, 404, 409],
  })
  remove(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.users.remove(caller, id);
  }
}
