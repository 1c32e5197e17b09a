// Moved to @berth/db (the token service aggregates logins with it and must not load the
// registry); re-exported so imports from here keep working.
export { WindowedCounter, type CountedWindow, type WindowedCounterOptions } from '@berth/db';
