/**
 * The Prefinery event catalogue: the single source of truth for the event names the trigger offers,
 * what object each one carries in `data`, and how sure we are that Prefinery sends that exact string.
 *
 * Pure module: no n8n imports. Used by the trigger's `events` parameter, the sample payloads, the
 * send-sample command, the output schema, the tests and the README check (e2e/readme.e2e.test.mjs).
 */

/** What kind of object an event carries in its `data` field. */
export const OBJECT_KINDS = ['tester', 'reward', 'point', 'unknown'] as const;
export type PrefineryObjectKind = (typeof OBJECT_KINDS)[number];

/**
 * How sure we are of the event string:
 * - `verified`: a Prefinery page names this exact string;
 * - `unverified`: Prefinery describes the event in prose; the exact string is our best inference.
 */
export type EventCertainty = 'verified' | 'unverified';

export interface PrefineryEventDefinition {
	/** The `type` string as it appears in the webhook envelope. Stable: users' workflows store it. */
	readonly value: string;
	/** Human label shown in the n8n editor. */
	readonly name: string;
	readonly description: string;
	readonly kind: PrefineryObjectKind;
	readonly certainty: EventCertainty;
}

/** The value of the "any event" option: lets events Prefinery adds later flow through. */
export const ANY_EVENT = '*';

/**
 * Kept short: n8n's Events dropdown shows about one line of a description. The README explains what
 * "unverified" means (Prefinery describes the event but does not publish its exact name).
 */
const UNVERIFIED_NOTE = '. Unverified name: add Any Event too';

export const PREFINERY_EVENTS: readonly PrefineryEventDefinition[] = [
	{
		value: 'tester_created',
		name: 'Tester Created',
		description: 'A person signed up or was added',
		kind: 'tester',
		certainty: 'verified',
	},
	{
		value: 'tester_applied',
		name: 'Tester Applied',
		description: 'A person joined the waitlist (applied)',
		kind: 'tester',
		certainty: 'verified',
	},
	{
		value: 'tester_updated',
		name: 'Tester Updated',
		description: 'Status (invited, active…), profile or referrals changed',
		kind: 'tester',
		certainty: 'verified',
	},
	{
		value: 'tester_deleted',
		name: 'Tester Deleted',
		description: 'A tester was removed' + UNVERIFIED_NOTE,
		kind: 'tester',
		certainty: 'unverified',
	},
	{
		value: 'reward_earned',
		name: 'Reward Earned',
		description: 'A tester earned a reward' + UNVERIFIED_NOTE,
		kind: 'reward',
		certainty: 'unverified',
	},
	{
		value: 'reward_delivered',
		name: 'Reward Delivered',
		description: 'A reward was marked as delivered',
		kind: 'reward',
		certainty: 'verified',
	},
	{
		value: 'reward_revoked',
		name: 'Reward Revoked',
		description: 'A reward was revoked' + UNVERIFIED_NOTE,
		kind: 'reward',
		certainty: 'unverified',
	},
	{
		value: 'point_earned',
		name: 'Points Earned',
		description: 'A tester earned points' + UNVERIFIED_NOTE,
		kind: 'point',
		certainty: 'unverified',
	},
	{
		value: 'point_revoked',
		name: 'Points Revoked',
		description: 'Points were taken back' + UNVERIFIED_NOTE,
		kind: 'point',
		certainty: 'unverified',
	},
];

const BY_VALUE = new Map(PREFINERY_EVENTS.map((event) => [event.value, event]));

export function findEvent(type: string): PrefineryEventDefinition | undefined {
	return BY_VALUE.get(type);
}

/**
 * What `data` holds for an event type. Known types answer from the catalogue; unknown ones are
 * guessed from their prefix (`tester_…`, `reward_…`, `point_…`/`points_…`), else `unknown`.
 */
export function kindOfEvent(type: string): PrefineryObjectKind {
	const known = BY_VALUE.get(type);
	if (known) return known.kind;
	if (type.startsWith('tester_') || type.startsWith('user_')) return 'tester';
	if (type.startsWith('reward_')) return 'reward';
	if (type.startsWith('point_') || type.startsWith('points_')) return 'point';
	return 'unknown';
}

/** Whether an event of `type` passes the user's selection (`*` selects every event, known or not). */
export function isEventSelected(type: string, selected: readonly string[]): boolean {
	return selected.includes(ANY_EVENT) || selected.includes(type);
}

/**
 * The trigger's Events parameter as a list of exact names, whatever shape it arrived in: the
 * multi-select's array, or an expression's string ("tester_created" or "tester_created, tester_applied").
 * Matching is always by exact name, never by substring. Anything else selects nothing.
 */
export function normalizeEventSelection(value: unknown): string[] {
	const entries = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [];
	return entries
		.filter((entry): entry is string => typeof entry === 'string')
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
}

/** The Events parameter, checked: the selection, or why it cannot be used. */
export type EventSelection = { ok: true; events: string[] } | { ok: false; value: unknown };

/**
 * The trigger's Events parameter, checked. Usable: a non-empty list (the multi-select's array, or an
 * expression's string, comma-separated) of event names of the catalogue or `*`. Names are matched
 * without regard to case and surrounding spaces (`TESTER_CREATED` is `tester_created`: every
 * Prefinery event name is lower case, so an upper-case name typed in an expression can only mean the
 * event). Anything else (an empty list, an unknown name, a number, an object, null) is not usable:
 * treating it as "no event selected" would acknowledge every delivery with 200 and lose it, so the
 * trigger refuses deliveries with a retryable answer until it is fixed.
 */
export function resolveEventSelection(value: unknown): EventSelection {
	const entries = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
	if (entries === undefined || entries.length === 0) return { ok: false, value };
	const events: string[] = [];
	for (const entry of entries) {
		if (typeof entry !== 'string') return { ok: false, value };
		const name = entry.trim().toLowerCase();
		if (name === '') continue; // "tester_created," (a trailing comma)
		if (name !== ANY_EVENT && !BY_VALUE.has(name)) return { ok: false, value };
		if (!events.includes(name)) events.push(name);
	}
	return events.length > 0 ? { ok: true, events } : { ok: false, value };
}
