/**
 * The shapes shared by the trigger's modules: the webhook envelope as Prefinery sends it and the typed
 * item the trigger emits. Pure module: types only. The field tables and the types derived from them
 * (tester, profile, reward, point) are in fields.ts.
 */
import type { PrefineryObjectKind } from './events';
import type { PrefineryPoint, PrefineryReward, PrefineryTester } from './fields';

export type JsonObject = { [key: string]: unknown };

/** The webhook envelope as Prefinery sends it. */
export interface PrefineryEnvelope {
	/** Event id: integer in every known payload; use it for de-duplication. Absent → null. */
	id: number | string | null;
	type: string;
	data: JsonObject;
	/** Unix seconds in every known payload. */
	created_at?: unknown;
	[extra: string]: unknown;
}

/** One output item of the trigger in its default ("Typed Event") format. */
export interface PrefineryEventItem {
	/** The event id (envelope `id`): stable across Prefinery's retries, use it for idempotency. */
	id: number | string | null;
	/** The event name, e.g. `tester_created`. */
	type: string;
	/** When Prefinery created the event, ISO-8601 UTC (the envelope sends Unix seconds). */
	created_at: string | null;
	/** The envelope's `created_at` as sent, in Unix seconds. */
	created_at_unix: number | null;
	/** Which object `data` carried: `tester`, `reward`, `point` or `unknown`. */
	object: PrefineryObjectKind;
	/** The Prefinery project (beta) id when the payload names it, else null. */
	project_id: number | string | null;
	tester: PrefineryTester | null;
	reward: PrefineryReward | null;
	point: PrefineryPoint | null;
	/** For events whose object is unknown: `data` exactly as sent. Null otherwise. */
	data: JsonObject | null;
	/** True when the item is one of this package's sample payloads, not a real delivery. */
	sample: boolean;
	/** True when the request's X-Prefinery-Signature was checked and valid. */
	signature_verified: boolean;
	/** Unknown envelope fields are kept alongside. */
	[extra: string]: unknown;
}
