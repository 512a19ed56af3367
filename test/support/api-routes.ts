/**
 * The routes of the API three ways, for the document-drift test: as the app really registered
 * them (Express's router and the controllers' Nest metadata), as its OpenAPI document describes
 * them, and as the README's API table lists them with their error codes.
 */
import type { INestApplication, Type } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { AuthRequirementMetadata } from '@app/auth';

/** One route: `GET /transcode/{camera}/...` with the names of its path and query parameters. */
export interface ApiRoute {
  method: string;
  /** As OpenAPI writes paths: `{name}` for each parameter. */
  path: string;
  pathParams: string[];
  queryParams: string[];
}

export interface RegisteredRoute extends ApiRoute {
  /** `@ApiExcludeController`/`@ApiExcludeEndpoint`: deliberately not in the public document. */
  excludedFromDocument: boolean;
}

export const routeKey = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

// path-to-regexp 8 (Express 5): a parameter's name is an identifier; `:end.mp4` is `end` then `.mp4`.
const EXPRESS_PARAM = /:([$_\p{ID_Start}][$\p{ID_Continue}]*)/gu;

/** `/export/:camera/start/:start/end/:end.mp4` → `/export/{camera}/start/{start}/end/{end}.mp4`. */
export function openApiPathOf(expressPath: string): string {
  if (/[*{}]/.test(expressPath)) throw new Error(`${expressPath}: wildcards and optional parts are not read here; teach openApiPathOf them`);
  return expressPath.replace(EXPRESS_PARAM, '{$1}');
}

const templateParams = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();

/**
 * `METHOD path` of every route in Express's router: what the server answers, whoever added it.
 * Wildcard paths (`/{*path}`, `/stream/transcode/*path`) are where Nest mounts middleware (the
 * request log, the segment fast path), not routes; a controller route with one fails in nestRoutes.
 */
export function expressRoutes(app: INestApplication): string[] {
  const stack = (app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router
    .stack;
  return stack
    .filter((layer) => layer.route && !layer.route.path.includes('*'))
    .flatMap(({ route }) => Object.keys(route!.methods).map((method) => routeKey({ method: method.toUpperCase(), path: openApiPathOf(route!.path) })));
}

const joinPaths = (...parts: string[]): string =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;

/**
 * Every route of every controller Nest loaded, from the metadata Nest routes by: the path and
 * method, the query fields its `@Query()` DTO accepts (the validation pipe refuses any other),
 * and `token` where the authentication guard takes a stream token from the query.
 */
export function nestRoutes(app: INestApplication): RegisteredRoute[] {
  const reflector = new Reflector();
  const controllers = new Set<Type>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) controllers.add(wrapper.metatype as Type);
  }
  const routes: RegisteredRoute[] = [];
  for (const controller of controllers) {
    const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
    const excludedController = Boolean(Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, controller)?.[0]);
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = controller.prototype[name];
      if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const excluded = excludedController || Boolean(Reflect.getMetadata(DECORATORS.API_EXCLUDE_ENDPOINT, handler)?.disable);
      const queryParams = [...queryFieldsOf(controller, name)];
      if (reflector.get(AuthRequirementMetadata, handler)?.camera === 'session') queryParams.push('token');
      for (const prefix of prefixes) {
        for (const suffix of [Reflect.getMetadata(PATH_METADATA, handler)].flat() as string[]) {
          const path = openApiPathOf(joinPaths(prefix, suffix));
          routes.push({ method, path, pathParams: templateParams(path), queryParams: queryParams.sort(), excludedFromDocument: excluded });
        }
      }
    }
  }
  return routes;
}

function queryFieldsOf(controller: Type, methodName: string): string[] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) ?? {}) as Record<string, { index: number; data?: string }>;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, methodName) ?? []) as Type[];
  return Object.entries(args)
    .filter(([key]) => Number(key.split(':')[0]) === RouteParamtypes.QUERY)
    .flatMap(([, { index, data }]) => {
      if (data) return [data];
      const fields = getMetadataStorage()
        .getTargetValidationMetadatas(types[index], '', true, false)
        .map((meta) => meta.propertyName);
      return [...new Set(fields)];
    });
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>>;
}

export interface DocumentedRoute extends ApiRoute {
  /** The status codes of its documented responses. */
  responses: number[];
}

export function documentedRoutes(document: OpenApiDocument): DocumentedRoute[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const named = (where: string) =>
        (operation.parameters ?? [])
          .filter((parameter) => parameter.in === where)
          .map((parameter) => parameter.name)
          .sort();
      return {
        method: method.toUpperCase(),
        path,
        pathParams: named('path'),
        queryParams: named('query'),
        responses: Object.keys(operation.responses).map(Number),
      };
    }),
  );
}

/** A row of the README's API table: its routes as written there and the error codes it lists. */
export interface ReadmeApiRow {
  routes: Array<{ method: string; path: string }>;
  errorCodes: number[];
}

const CREATE_ROUTE = 'GET /transcode/{camera}/start/{start}/end/{end}';

/**
 * The API table under `## API`: each row's routes (`GET /cameras/{camera}/recordings?after=&before=`
 * → that path, query left out) and the 4xx/5xx codes of its errors column; "as the create route"
 * there means the create route's codes too. The sentence after the table ("Every route but
 * `/health` and the docs also answers 401 ... and 403") adds those two to every other route.
 */
export function readmeApiRows(markdown: string): ReadmeApiRow[] {
  const section = markdown.split(/^## API$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('README.md has no "## API" section');
  const tableLines = section.split('\n').filter((line) => line.startsWith('| `'));
  const rows = tableLines.map((line) => {
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    const routes = [...cells[0].matchAll(/`(GET|POST|PUT|PATCH|DELETE) ([^`]+)`/g)].map(([, method, path]) => ({
      method,
      path: path.replace(/\[.*\]$/, '').replace(/\?.*$/, ''),
    }));
    const errors = cells[cells.length - 1];
    return { routes, errorCodes: codesIn(errors), asCreateRoute: /as the create route/.test(errors) };
  });
  const createCodes = rows.find((row) => row.routes.some((route) => routeKey(route) === CREATE_ROUTE))?.errorCodes ?? [];
  const everyRoute = /Every route but `([^`]+)` and the docs also answers ([^.]+)\./.exec(section.replace(/\s+/g, ' '));
  if (!everyRoute)
    throw new Error('README.md: the sentence "Every route but `/health` and the docs also answers 401 ... and 403" is gone; say here what replaced it');
  const [, exempt, answers] = everyRoute;
  return rows.map(({ routes, errorCodes, asCreateRoute }) => {
    const codes = new Set([...errorCodes, ...(asCreateRoute ? createCodes : [])]);
    const isDocs = routes.every((route) => route.path === exempt || route.path.startsWith('/docs'));
    if (!isDocs) for (const code of codesIn(answers)) codes.add(code);
    return { routes, errorCodes: [...codes].sort() };
  });
}

const codesIn = (text: string): number[] => [...new Set([...text.matchAll(/\b[45]\d\d\b/g)].map(([code]) => Number(code)))].sort();

/**
 * The documented route a README route names: same method, same segments, where a parameter of
 * the document (`{fileName}`) stands for any segment of the README (`seg_NNNNN.ts`) and
 * parameters match parameters whatever their names (`{id}`, `{sessionId}`); the most literal
 * match wins (`/transcode/sessions` over `/transcode/{sessionId}`).
 */
export function documentedRouteFor<T extends ApiRoute>(readme: { method: string; path: string }, documented: T[]): T | undefined {
  const anonymous = (segment: string) => segment.replace(/\{[^}]+\}/g, '{}');
  const readmeSegments = readme.path.split('/').map(anonymous);
  let best: { route: T; literal: number } | undefined;
  for (const route of documented) {
    const segments = route.path.split('/').map(anonymous);
    if (route.method !== readme.method || segments.length !== readmeSegments.length) continue;
    if (!segments.every((segment, i) => segment === '{}' || segment === readmeSegments[i])) continue;
    const literal = segments.filter((segment) => segment !== '{}').length;
    if (!best || literal > best.literal) best = { route, literal };
  }
  return best?.route;
}
