import type { ResourceScope } from '@berth/auth';
import { isValidRepositoryName } from '@berth/oci';
import type { V2Access } from '../auth/v2-authorizer.js';
import type { V2Route } from './v2-routes.js';

/**
 * The scopes a /v2/ request needs (distribution's token spec), named exactly in the challenge.
 * Reads need `pull`; writes `pull,push` (clients push with both, and Distribution asks for both);
 * deletes `delete`. A cross-repository mount also asks for `pull` on its source, optionally.
 */
export function requiredAccess(route: V2Route, method: string, params: URLSearchParams): V2Access {
  switch (route.kind) {
    case 'base':
      return { optional: [] };
    case 'catalog':
      return { required: { type: 'registry', name: 'catalog', actions: ['*'] }, optional: [] };
    case 'tags':
    case 'referrers':
    case 'blob':
    case 'manifest': {
      const actions = method === 'DELETE' ? ['delete'] : method === 'PUT' ? ['pull', 'push'] : ['pull'];
      return { required: repository(route.name, actions), optional: [] };
    }
    case 'uploads': {
      const from = params.get('from');
      const mountSource =
        params.has('mount') && from !== null && isValidRepositoryName(from) && from !== route.name;
      return {
        required: repository(route.name, ['pull', 'push']),
        optional: mountSource ? [repository(from, ['pull'])] : [],
      };
    }
    case 'upload':
      return { required: repository(route.name, ['pull', 'push']), optional: [] };
  }
}

function repository(name: string, actions: string[]): ResourceScope {
  return { type: 'repository', name, actions };
}

/** The action the request itself performs (the challenge may name more). */
export function performedAction(scope: ResourceScope): string {
  if (scope.type === 'registry') return '*';
  return scope.actions.includes('push') ? 'push' : scope.actions[0]!;
}
