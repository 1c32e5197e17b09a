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

const SYSTEM = { system: true } as const;

/** System robots, `robot$<name>` with per-project permissions; system administrators only. */
@Controller('api/v1/robots')
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class SystemRobotsController {
  constructor(private readonly robots: RobotsService) {}

  @Post()
  create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.robots.create(caller, SYSTEM, body);
  }

  @Get()
  list(@CurrentCaller() caller: Caller) {
    return this.robots.list(caller, SYSTEM);
  }

  @Post(':id/secret')
  @HttpCode(200)
  rotate(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.robots.rotate(caller, SYSTEM, id);
  }

  @Put(':id/disabled')
  setDisabled(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.robots.setDisabled(caller, SYSTEM, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.robots.remove(caller, SYSTEM, id);
  }
}
