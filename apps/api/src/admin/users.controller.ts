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
import { RecordErrorInterceptor } from './record-error.interceptor.js';
import { UsersService } from './users.service.js';

@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.users.create(caller, body);
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.users.list(caller, query);
  }

  @Get('current')
  current(@CurrentCaller() caller: Caller) {
    return this.users.current(caller);
  }

  @Get(':id')
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.users.get(caller, id);
  }

  @Put(':id/password')
  @HttpCode(204)
  changePassword(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.users.changePassword(caller, id, body);
  }

  @Put(':id/disabled')
  setDisabled(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.users.setDisabled(caller, id, body);
  }

  @Put(':id/admin')
  setSystemAdmin(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.users.setSystemAdmin(caller, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.users.remove(caller, id);
  }
}
