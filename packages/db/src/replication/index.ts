export * from './credential-cipher.js';
export * from './registry-records.js';
export * from './replication-policy-records.js';
export * from './replication-execution-records.js';
