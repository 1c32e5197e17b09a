// Moved to @berth/db (the token service buffers login events with it and must not load the
// registry); re-exported so imports from here keep working.
export { AuditBuffer, type AuditBufferOptions, type FlushResult } from '@berth/db';
