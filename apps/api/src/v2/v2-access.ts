import type { ResourceScope } from '@berth/auth';
import type { V2Route } from './v2-routes.js';

/**
 * The access a /v2/ request needs (distribution's token spec): `undefined` for the base
 * endpoint, which needs only a valid token (anonymous ones included), so clients can discover
 * the realm and check their login.
 */
export function requiredAccess(route: V2Route, method: string): ResourceScope | undefined {
  switch (route.kind) {
    case 'base':
      return undefined;
    case 'catalog':
      return { type: 'registry', name: 'catalog', actions: ['*'] };
    case 'tags':
    case 'referrers':
    case 'blob':
    case 'manifest': {
      const action = method === 'DELETE' ? 'delete' : method === 'PUT' ? 'push' : 'pull';
      // Clients ask for pull and push together when pushing; the challenge names both.
      const actions = action === 'push' ? ['pull', 'push'] : [action];
      return { type: 'repository', name: route.name, actions };
    }
    case 'uploads':
    case 'upload':
      return { type: 'repository', name: route.name, actions: ['pull', 'push'] };
  }
}

/** The action the request itself performs (the challenge may name more). */
export function performedAction(scope: ResourceScope): string {
  if (scope.type === 'registry') return '*';
  return scope.actions.includes('push') ? 'push' : scope.actions[0]!;
}
