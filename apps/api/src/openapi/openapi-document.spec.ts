// The generator on a small controller of its own: what it reads from Nest's metadata and what
// it takes from the decorators.
import { describe, expect, it } from '@jest/globals';
import { All, Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminAuthGuard } from '../admin/admin-auth.guard.js';
import { ApiCredentials, ApiDoc, ApiTag } from './api-doc.decorator.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { PROBLEM } from './problem.schemas.js';
import { defineSchema, nullable, object } from './schema.js';

const THING = defineSchema('Thing', object({ id: { type: 'string' }, note: nullable({ type: 'string' }) }));
const NEW_THING = defineSchema('NewThing', object({ note: { type: 'string' } }, []));

@Controller('api/v1/shelves/:shelf/things')
@ApiTag('things', 'Things on shelves.')
@UseGuards(AdminAuthGuard)
class ThingsController {
  @Post()
  @ApiDoc({ summary: 'Put a thing', body: NEW_THING, response: THING, errors: [409] })
  create(@Param('shelf') _shelf: string, @Body() _body: unknown) {}

  @Get()
  @ApiDoc({ summary: 'List things', list: THING, listing: { q: 'Matches the note.', sort: ['note', 'id'] } })
  list() {}

  @Delete(':thingId')
  @HttpCode(204)
  @ApiDoc({ summary: 'Take a thing away', errors: [404] })
  remove(@Query('force') _force: string) {}

  @Get('undocumented')
  undocumented() {}
}

@Controller('api/v1/open')
class OpenController {
  @Get()
  @ApiDoc({
    summary: 'Anyone',
    response: { type: 'string' },
    otherResponses: [{ status: 503, description: 'Not now.', schema: { type: 'string' } }],
  })
  read() {}
}

@Controller('api/v1/catalogue')
@ApiCredentials('optional')
class CatalogueController {
  @Get()
  @ApiDoc({ summary: 'Browse', response: { type: 'string' } })
  browse() {}

  @Delete()
  @HttpCode(204)
  @ApiDoc({ summary: 'Empty it', credentials: 'required' })
  empty() {}
}

@Controller('v2')
class RegistryController {
  @All('*')
  anything() {}
}

const document = buildOpenApiDocument(
  [ThingsController, OpenController, CatalogueController, RegistryController],
  {
    version: '1.2.3',
  },
);
const things = document.paths['/api/v1/shelves/{shelf}/things']!;
const thing = document.paths['/api/v1/shelves/{shelf}/things/{thingId}']!;
type Operation = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted, not typed

describe('buildOpenApiDocument', () => {
  it('is an OpenAPI 3.1 document of the /api/v1 routes only', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Berth admin API', version: '1.2.3' });
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/v1/catalogue',
      '/api/v1/open',
      '/api/v1/shelves/{shelf}/things',
      '/api/v1/shelves/{shelf}/things/undocumented',
      '/api/v1/shelves/{shelf}/things/{thingId}',
    ]);
    expect(document.tags).toEqual([
      { name: 'things', description: 'Things on shelves.' },
      { name: 'Open' },
      { name: 'Catalogue' },
    ]);
  });

  it('takes methods, statuses, path and named query parameters from the routes', () => {
    const create = things.post as Operation;
    expect(create.operationId).toBe('things_create');
    expect(Object.keys(create.responses)).toEqual(['201', '400', '401', '409', '413', '415', '429']);
    expect(create.parameters).toEqual([
      { name: 'shelf', in: 'path', required: true, schema: { type: 'string' } },
    ]);
    const remove = thing.delete as Operation;
    expect(remove.responses['204']).toEqual({ description: 'No content' });
    expect((remove.parameters as Operation[]).map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:shelf',
      'path:thingId',
      'query:force',
    ]);
  });

  it('asks for credentials behind AdminAuthGuard, optionally where a controller says so, else not', () => {
    expect((things.get as Operation).security).toEqual([{ basicAuth: [] }, { bearerAuth: [] }]);
    expect((document.paths['/api/v1/open']!.get as Operation).security).toBeUndefined();
    const open = document.paths['/api/v1/open']!.get as Operation;
    expect(Object.keys(open.responses)).toEqual(['200', '503']);
    expect(open.responses['503'].content['application/json'].schema).toEqual({ type: 'string' });
    const catalogue = document.paths['/api/v1/catalogue']!;
    expect((catalogue.get as Operation).security).toEqual([{}, { basicAuth: [] }, { bearerAuth: [] }]);
    expect((catalogue.delete as Operation).security).toEqual([{ basicAuth: [] }, { bearerAuth: [] }]);
    const schemes = (document.components as Operation).securitySchemes;
    expect(schemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('describes a listing: paging parameters, an array body, X-Total-Count and Link', () => {
    const list = things.get as Operation;
    expect(list.parameters).toEqual([
      expect.objectContaining({ name: 'shelf', in: 'path' }),
      { $ref: '#/components/parameters/page' },
      { $ref: '#/components/parameters/pageSize' },
      { $ref: '#/components/parameters/q', description: 'Matches the note.' },
      expect.objectContaining({
        name: 'sort',
        in: 'query',
        schema: expect.objectContaining({ type: 'string' }),
      }),
    ]);
    const ok = list.responses['200'];
    expect(ok.content['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Thing' },
    });
    expect(Object.keys(ok.headers)).toEqual(['X-Total-Count', 'Link']);
    expect(new RegExp(list.parameters[4].schema.pattern).test('-note,id')).toBe(true);
    expect(new RegExp(list.parameters[4].schema.pattern).test('colour')).toBe(false);
  });

  it('answers failures with the one Problem schema, through shared responses', () => {
    const create = things.post as Operation;
    expect(create.responses['409']).toEqual({ $ref: '#/components/responses/Conflict' });
    const components = document.components as Operation;
    expect(components.responses.Conflict.content['application/problem+json'].schema).toEqual({
      $ref: `#/components/schemas/${PROBLEM.name}`,
    });
    expect(components.responses.Unauthorized.headers['WWW-Authenticate']).toBeDefined();
    expect(components.schemas.Problem.required).toEqual(['type', 'title', 'status']);
  });

  it('writes named schemas once, as components, with 3.1 type arrays instead of nullable', () => {
    const components = document.components as Operation;
    expect(Object.keys(components.schemas)).toEqual(['NewThing', 'Problem', 'Thing']);
    expect(components.schemas.Thing.properties.note).toEqual({ type: ['string', 'null'] });
    expect(JSON.stringify(document)).not.toContain('"nullable"');
  });

  it('still lists a route without @ApiDoc, by its handler name', () => {
    const operation = document.paths['/api/v1/shelves/{shelf}/things/undocumented']!.get as Operation;
    expect(operation.summary).toBe('undocumented');
    expect(operation.responses['200']).toEqual({ description: 'OK' });
  });

  it('refuses two different schemas under one name', () => {
    const clash = defineSchema('Thing', { type: 'integer' });
    @Controller('api/v1/clash')
    class ClashController {
      @Get()
      @ApiDoc({ summary: 'Clash', response: object({ a: THING, b: clash }) })
      read() {}
    }
    expect(() => buildOpenApiDocument([ClashController], { version: '0' })).toThrow(
      'two schemas are named Thing',
    );
  });
});
