import { readFileSync } from 'node:fs';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { AdminAuthGuard } from '../admin/admin-auth.guard.js';
import { ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { SYSTEM_INFO } from './system-info.schemas.js';

/** The api's own version, from its package.json (read once). */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** What an operator or a tool needs to know about this Berth: nothing secret. */
export class SystemInfo {
  constructor(
    readonly storageDriver: string,
    readonly service: string,
    readonly realm: string,
  ) {}

  describe() {
    return {
      version: VERSION,
      storage: this.storageDriver,
      authMode: 'token' as const,
      tokenService: this.service,
      tokenRealm: this.realm,
    };
  }
}

/** `GET /api/v1/system/info`: for any authenticated caller. */
@Controller('api/v1/system/info')
@ApiTag('system', 'What this Berth is.')
@UseGuards(AdminAuthGuard)
export class SystemInfoController {
  constructor(private readonly info: SystemInfo) {}

  @Get()
  @ApiDoc({ summary: 'Describe this Berth', description: 'Any authenticated caller.', response: SYSTEM_INFO })
  get() {
    return this.info.describe();
  }
}
