/**
 * The Prefinery API client moved to `nodes/shared/transport.ts` (both the action node and the Catch-Up
 * trigger use it); this module re-exports it for code that still imports it from here.
 */
export * from '../shared/transport';
