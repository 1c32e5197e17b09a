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
import { CREATED_ROBOT, NEW_SYSTEM_ROBOT, ROBOT, ROBOT_SECRET } from './robots.schemas.js';
import { RobotsService } from './robots.service.js';
import { DISABLED_CHANGE } from './users.schemas.js';

const SYSTEM = { system: true } as const;

/** System robots, `robot$<name>` with per-project permissions; system administrators only. */
@Controller('api/v1/robots')
@ApiTag(
  'system robots',
  'System robot accounts, `robot$<name>`, with permissions in any project; system administrators only.',
)
@UseGuards(AdminAuthGuard)
@UseInterceptors(RecordErrorInterceptor)
export class SystemRobotsController {
  constructor(private readonly robots: RobotsService) {}

  @Post()
  @ApiDoc({
    summary: 'Create a robot',
    description: 'The answer holds the secret, the only time it is shown. A taken name is 409.',
    body: NEW_SYSTEM_ROBOT,
    response: CREATED_ROBOT,
    errors: [403, 409],
  })
  create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.robots.create(caller, SYSTEM, body);
  }

  @Get()
  @ApiDoc({
    summary: 'List robots',
    description: 'By name; not paged.',
    response: { type: 'array', items: ROBOT },
    errors: [403],
  })
  list(@CurrentCaller() caller: Caller) {
    return this.robots.list(caller, SYSTEM);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiDoc({
    summary: "Rotate a robot's secret",
    description: "The old secret stops working at once and the robot's refresh tokens are revoked.",
    response: ROBOT_SECRET,
    errors: [403, 404],
  })
  rotate(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.robots.rotate(caller, SYSTEM, id);
  }

  @Put(':id/disabled')
  @ApiDoc({
    summary: 'Disable or enable a robot',
    body: DISABLED_CHANGE,
    response: ROBOT,
    errors: [403, 404],
  })
  setDisabled(@CurrentCaller() caller: Caller, @Param('id') id: string, @Body() body: unknown) {
    return this.robots.setDisabled(caller, SYSTEM, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({ summary: 'Delete a robot', errors: [403, 404] })
  remove(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.robots.remove(caller, SYSTEM, id);
  }
}
