import { RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { ModulesContainer } from '@nestjs/core';
import { AdminAuthGuard } from '../admin/admin-auth.guard.js';
import {
  credentialsOf,
  docOf,
  tagOf,
  type ApiDocOptions,
  type ApiTagOptions,
  type Credentials,
} from './api-doc.decorator.js';

/** The admin API's prefix: the document describes these routes and no other (not /v2/, not /metrics). */
export const API_PREFIX = '/api/v1/';

/** One route of a controller, as Nest will serve it, with what the decorators add. */
export interface ApiRoute {
  controller: string;
  /** The controller's place among all controllers (module order): tags follow it. */
  order: number;
  handler: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form: `/api/v1/projects/{project}`. */
  path: string;
  pathParams: string[];
  /** Names of `@Query('x')` parameters. */
  namedQuery: string[];
  /** Whether the handler reads a body (`@Body()`). */
  readsBody: boolean;
  status: number;
  /** Basic or Bearer credentials: `required` behind `AdminAuthGuard`, else as the decorators say. */
  credentials: Credentials;
  tag: ApiTagOptions;
  doc: ApiDocOptions | undefined;
}

const METHODS: Partial<Record<RequestMethod, ApiRoute['method']>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

/** Within a path: read, create, change, delete. */
const METHOD_ORDER: readonly ApiRoute['method'][] = ['get', 'post', 'put', 'patch', 'delete'];

/** Every controller Nest knows of, once each, in module order. */
export function controllersOf(modules: ModulesContainer): Type[] {
  const seen = new Set<Type>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      if (wrapper.metatype) seen.add(wrapper.metatype as Type);
    }
  }
  return [...seen];
}

/** The routes under `API_PREFIX` of these controllers, sorted by path then method. */
export function apiRoutes(controllers: readonly Type[]): ApiRoute[] {
  const routes = controllers.flatMap((controller, order) => routesOf(controller, order));
  return routes.sort(
    (a, b) => compare(a.path, b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
  );
}

function routesOf(controller: Type, order: number): ApiRoute[] {
  const prototype = controller.prototype as Record<string, unknown>;
  const routes: ApiRoute[] = [];
  for (const handlerName of Object.getOwnPropertyNames(prototype)) {
    if (handlerName === 'constructor') continue;
    const handler = Object.getOwnPropertyDescriptor(prototype, handlerName)?.value as object | undefined;
    if (typeof handler !== 'function') continue;
    const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (requestMethod === undefined) continue;
    for (const path of joinPaths(pathsOf(controller), pathsOf(handler))) {
      if (!path.startsWith(API_PREFIX)) continue;
      const method = METHODS[requestMethod];
      if (method === undefined)
        throw new Error(`${controller.name}.${handlerName}: ${path} has no single method`);
      const args = routeArgs(controller, handlerName);
      routes.push({
        controller: controller.name,
        order,
        handler: handlerName,
        method,
        path: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
        pathParams: [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!),
        namedQuery: args.filter((arg) => arg.type === RouteParamtypes.QUERY && arg.name).map((a) => a.name!),
        readsBody: args.some((arg) => arg.type === RouteParamtypes.BODY),
        status: statusOf(handler, method),
        credentials:
          docOf(handler)?.credentials ??
          credentialsOf(controller) ??
          (guardedBy(controller, handler, AdminAuthGuard) ? 'required' : 'none'),
        tag: tagOf(controller) ?? { name: controller.name.replace(/Controller$/, '') },
        doc: docOf(handler),
      });
    }
  }
  return routes;
}

function pathsOf(target: object): string[] {
  const value = Reflect.getMetadata(PATH_METADATA, target) as string | string[] | undefined;
  if (value === undefined) return ['/'];
  return Array.isArray(value) ? value : [value];
}

function joinPaths(prefixes: string[], suffixes: string[]): string[] {
  return prefixes.flatMap((prefix) =>
    suffixes.map((suffix) => {
      const joined = `/${prefix}/${suffix}`.replace(/\/+/g, '/');
      return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
    }),
  );
}

function statusOf(handler: object, method: ApiRoute['method']): number {
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
  return code ?? (method === 'post' ? 201 : 200);
}

function guardedBy(controller: Type, handler: object, guard: Type): boolean {
  const guards = [
    ...((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []),
    ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []),
  ];
  return guards.includes(guard);
}

interface RouteArg {
  type: RouteParamtypes;
  name?: string;
}

/** `@Body()`, `@Query('x')`, `@Param('x')` … of a handler; custom decorators are left out. */
function routeArgs(controller: Type, handlerName: string): RouteArg[] {
  const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as Record<
    string,
    { data?: unknown }
  >;
  return Object.entries(metadata).flatMap(([key, value]) => {
    const type = Number(key.split(':')[0]);
    if (!Number.isInteger(type)) return [];
    return [{ type, ...(typeof value.data === 'string' && { name: value.data }) }];
  });
}

/** Code-point order: the same on every machine, whatever its locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
