import type { EventOrigin } from '@berth/registry';
import { actorName } from '../admin/caller.resolver.js';
import type { Viewer } from './content-viewer.guard.js';

/** Who caused a change, for its `RegistryEvents` event: the caller's name and address. */
export function actorOf(viewer: Viewer): EventOrigin {
  // Changes need push or delete, which anonymous never has: the access check ran first.
  if (viewer.kind === 'anonymous') throw new Error('an anonymous viewer cannot change content');
  return { actor: actorName(viewer), address: viewer.address };
}
