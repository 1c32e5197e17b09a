import { RegistrySchema1764864000000 } from './1764864000000-registry-schema.js';
import { AccessControl1764950400000 } from './1764950400000-access-control.js';
import { GcRuns1765036800000 } from './1765036800000-gc-runs.js';
import { Replication1765123200000 } from './1765123200000-replication.js';
import { ArtifactListing1765209600000 } from './1765209600000-artifact-listing.js';
import { AuditKeyset1765213200000 } from './1765213200000-audit-keyset.js';
import { Quotas1765296000000 } from './1765296000000-quotas.js';
import { ReplicationTriggers1765468800000 } from './1765468800000-replication-triggers.js';
import { ReplicationFlattening1765555200000 } from './1765555200000-replication-flattening.js';

/** Every migration, oldest first. A new one is a new timestamped file added here. */
export const MIGRATIONS = [
  RegistrySchema1764864000000,
  AccessControl1764950400000,
  GcRuns1765036800000,
  Replication1765123200000,
  ArtifactListing1765209600000,
  AuditKeyset1765213200000,
  Quotas1765296000000,
  ReplicationTriggers1765468800000,
  ReplicationFlattening1765555200000,
];
