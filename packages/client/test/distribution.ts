// Moved to @berth/testing so the replication specs start the same peer registry.
export { startDistribution, type DistributionRegistry } from '@berth/testing';
