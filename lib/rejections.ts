/**
 * Rejected deliveries made visible inside n8n, within bounds: which rejections to write to n8n's log,
 * and which to emit as an item on the trigger's Rejected output (an execution the user sees in
 * Executions and can wire an alert to).
 *
 * Budgets no flood can starve. Each rejection belongs to one kind (see `kindOf`):
 * - `signed`: the request carried a well-formed Prefinery signature header that did not verify
 *   (wrong secret, stale timestamp…): what a real delivery with a wrong setting looks like;
 * - `settings`: the trigger itself cannot decide (a parameter or the credential cannot be read, a
 *   filter that is not usable): every delivery fails until the user fixes the node;
 * - `request`: everything else (no signature header, a header in no known form, a body that is not a
 *   Prefinery event…): what unsigned or forged-looking requests get.
 * Per trigger node and per kind: at most `logPerMinute` log lines a minute and, in production, at most
 * `emitPerHour` Rejected items an hour. On top of that, the first rejection of each reason in a minute
 * is always logged, and the first of each reason in an hour always emitted, so a flood of one reason
 * never hides another. Every line and item says how many rejections of each reason were left out
 * since the previous one. On the Test URL every rejection is an item (the user is listening, and one
 * item ends the listening).
 *
 * Bounded: the reasons are the answer catalogue's (a fixed set), the trigger nodes tracked at most
 * `MAX_SCOPES`. Pure module: no n8n imports. Nothing here sees a secret: the message is the answer's
 * own text, and values from a body are cut short and stripped of characters that could forge or hide
 * a log line.
 */
import { touch, trimOldest } from './lru';

export const LOG_LINES_PER_MINUTE = 10;
export const REJECTED_ITEMS_PER_HOUR = 3;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Trigger nodes tracked at most (least recently rejected first out). */
const MAX_SCOPES = 5_000;

export type RejectionKind = 'signed' | 'settings' | 'request';

/** Reasons of a signed request whose signature did not verify. */
const SIGNED_REASONS = new Set(['mismatch', 'mismatch_recheck_pending', 'timestamp_too_old', 'timestamp_in_future', 'no_secret']);
/** Reasons that come from the trigger's own parameters or credential. */
const SETTINGS_REASONS = new Set(['parameter_unavailable', 'invalid_events', 'invalid_project_filter', 'credential_unavailable']);

/**
 * The reason under which "the first of each reason" is counted: a mismatch that could not be re-checked
 * yet (`mismatch_recheck_pending`) is the same problem as a mismatch, and is not shown again for it.
 */
function familyOf(reason: string): string {
	return reason === 'mismatch_recheck_pending' ? 'mismatch' : reason;
}

/** The budget a rejection reason is counted against. */
export function kindOf(reason: string): RejectionKind {
	if (SIGNED_REASONS.has(reason)) return 'signed';
	if (SETTINGS_REASONS.has(reason)) return 'settings';
	return 'request';
}

export interface Rejection {
	reason: string;
	httpStatus: number;
	message: string;
	event_id?: number | string | null;
	type?: string;
	/**
	 * Whether the event id and type come from a body whose signature verified. False (the default) when
	 * they were read from a body that was not checked or failed the check (`unverifiedEvent`).
	 */
	event_verified?: boolean;
}

/**
 * What an unverified body may put into a rejection (and so into the Rejected item, the templates'
 * alerts and an Error Workflow): an event id as Prefinery writes them (an integer, or digits in a
 * string, at most 20), and a type as Prefinery names events (lower-case letters, digits and `_`, at
 * most 40). Anyone can send a body to the webhook URL, so free text such as "paste the new secret
 * from https://…" never reaches a message: a value of another shape is left out (null).
 */
const UNVERIFIED_ID = /^\d{1,20}$/;
const UNVERIFIED_TYPE = /^[a-z][a-z0-9_]{0,39}$/;
/** The largest raw body read for an event id when n8n did not parse it (bytes). */
const MAX_PEEKED_BODY = 64 * 1024;

/**
 * The event a rejected body says it is, read without trusting it (the signature failed or was not
 * checked): the envelope's top-level `id` (a finite number, or a string of digits) and `type` (an event
 * name's shape), anything else left out. From n8n's parsed body, else from the raw bytes when they are
 * at most 64 KiB of JSON. Nothing else of the body is kept.
 */
export function unverifiedEvent(body: unknown, rawBody?: Buffer): { event_id: number | string | null; type?: string } {
	let envelope: unknown = body;
	const readable = (value: unknown): value is Record<string, unknown> =>
		typeof value === 'object' && value !== null && !Array.isArray(value) && ('id' in value || 'type' in value);
	if (!readable(envelope) && rawBody !== undefined && rawBody.length <= MAX_PEEKED_BODY) {
		try {
			envelope = JSON.parse(rawBody.toString('utf8'));
		} catch {
			envelope = undefined;
		}
	}
	if (!readable(envelope)) return { event_id: null };
	const { id, type } = envelope;
	const event_id =
		typeof id === 'number' && Number.isFinite(id) ? id : typeof id === 'string' && UNVERIFIED_ID.test(id) ? id : null;
	return typeof type === 'string' && UNVERIFIED_TYPE.test(type) ? { event_id, type } : { event_id };
}

/** The item the Rejected output carries. */
export interface RejectedItem {
	rejected: true;
	/** The answer's reason and HTTP status, as Prefinery received them. */
	reason: string;
	http_status: number;
	/** What is wrong and how to fix it (the answer's message). */
	message: string;
	/** Whether Prefinery retries this delivery (429): fixed in time, it arrives again. */
	prefinery_retries: boolean;
	/** The event, when the body could be read (never trusted: the signature may have failed). */
	event_id: number | string | null;
	event_type: string | null;
	/**
	 * Whether `event_id` and `event_type` come from a body whose signature verified. False: read from an
	 * unsigned body or one whose signature failed, so anyone could have written them.
	 */
	event_verified: boolean;
	/** `test` (Test URL, editor listening) or `production`. */
	url: 'test' | 'production';
	rejected_at: string;
	/** Rejections of this trigger not emitted since the previous item (beyond the hourly bounds). */
	not_emitted_since_previous: number;
	/** The same, by reason (only reasons with a count). */
	not_emitted_by_reason: Record<string, number>;
}

export interface RejectionReport {
	/** A line for n8n's log, or null when the per-minute bounds left it out. */
	log: string | null;
	/** An item for the Rejected output, or null. */
	item: RejectedItem | null;
}

interface ScopeState {
	logWindowStart: number;
	/** Lines logged in the current minute, per kind. */
	logged: Map<RejectionKind, number>;
	/** Reasons logged in the current minute. */
	loggedReasons: Set<string>;
	/** Rejections not logged since the previous line, per reason. */
	logSuppressed: Map<string, number>;
	/** When items were emitted in the last hour, per kind. */
	emittedAt: Map<RejectionKind, number[]>;
	/** When each reason was last emitted. */
	reasonEmittedAt: Map<string, number>;
	/** Rejections not emitted since the previous item, per reason. */
	notEmitted: Map<string, number>;
}

/** A value from a body, safe for one log line: printable, at most 80 characters. */
export function printable(value: unknown, max = 80): string {
	// C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional controls that can
	// make a line read differently from what it holds.
	// eslint-disable-next-line no-control-regex
	return String(value).slice(0, max * 2).replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ').slice(0, max);
}

/**
 * Where a log line comes from, for n8n's text log (which prints only the message):
 * ` (workflow "Name" (id X), node "Y")`, each part only when known; empty when neither is.
 */
export function originLabel(workflow?: { name?: unknown; id?: unknown }, node?: unknown): string {
	const workflowName = workflow?.name !== undefined ? `"${printable(workflow.name)}"` : undefined;
	const workflowId = workflow?.id !== undefined ? `id ${printable(workflow.id, 40)}` : undefined;
	const parts = [
		workflowName !== undefined || workflowId !== undefined
			? `workflow ${workflowName !== undefined && workflowId !== undefined ? `${workflowName} (${workflowId})` : (workflowName ?? workflowId)}`
			: undefined,
		node !== undefined ? `node "${printable(node)}"` : undefined,
	].filter((part): part is string => part !== undefined);
	return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function countsText(counts: Map<string, number>): string {
	return [...counts].map(([reason, count]) => `${count} ${reason}`).join(', ');
}

function total(counts: Map<string, number>): number {
	let sum = 0;
	for (const count of counts.values()) sum += count;
	return sum;
}

function bump(counts: Map<string, number>, key: string): void {
	counts.set(key, (counts.get(key) ?? 0) + 1);
}

export interface ReporterLimits {
	logPerMinute?: number;
	emitPerHour?: number;
	clock?: () => number;
}

export class RejectionReporter {
	private readonly scopes = new Map<string, ScopeState>();
	private readonly logPerMinute: number;
	private readonly emitPerHour: number;
	private readonly clock: () => number;

	constructor(limits: ReporterLimits = {}) {
		this.logPerMinute = limits.logPerMinute ?? LOG_LINES_PER_MINUTE;
		this.emitPerHour = limits.emitPerHour ?? REJECTED_ITEMS_PER_HOUR;
		this.clock = limits.clock ?? (() => Date.now());
	}

	/**
	 * Records a rejection of the trigger `scope` and says what to log and emit. `manual`: the Test URL
	 * while the editor listens. `output`: whether the trigger has a Rejected output.
	 */
	report(
		scope: string,
		rejection: Rejection,
		context: { manual: boolean; output: boolean; workflow?: { id?: string; name?: string }; node?: string },
	): RejectionReport {
		const now = this.clock();
		const state = this.state(scope, now);
		const reason = printable(rejection.reason, 40);
		const family = familyOf(reason);
		const kind = kindOf(rejection.reason);
		const verified = rejection.event_verified === true;
		const about =
			rejection.event_id !== undefined && rejection.event_id !== null
				? ` (event ${printable(rejection.event_id)}${rejection.type ? `, ${printable(rejection.type)}` : ''}${verified ? '' : ', unverified'})`
				: '';
		const where = context.manual ? 'Test URL' : 'Production URL';
		// The workflow and node in the line itself: n8n's text log prints only the message.
		const origin = originLabel(context.workflow, context.node);

		// The log: per kind a few lines a minute, and always the first of a reason in the minute.
		if (now - state.logWindowStart >= MINUTE) {
			state.logWindowStart = now;
			state.logged.clear();
			state.loggedReasons.clear();
		}
		let log: string | null = null;
		const loggedOfKind = state.logged.get(kind) ?? 0;
		if (loggedOfKind < this.logPerMinute || !state.loggedReasons.has(family)) {
			state.logged.set(kind, loggedOfKind + 1);
			state.loggedReasons.add(family);
			const left = state.logSuppressed.size > 0 ? `[not logged since the previous line: ${countsText(state.logSuppressed)}] ` : '';
			state.logSuppressed.clear();
			log = `${left}Prefinery Trigger rejected a delivery to the ${where}${origin}${about}: ${rejection.httpStatus} ${reason}. ${printable(rejection.message, 600)}`;
		} else {
			bump(state.logSuppressed, reason);
		}

		// The Rejected output: per kind a few items an hour, and always the first of a reason in the hour.
		let item: RejectedItem | null = null;
		if (context.output) {
			const emitted = (state.emittedAt.get(kind) ?? []).filter((at) => now - at < HOUR);
			state.emittedAt.set(kind, emitted);
			const lastOfReason = state.reasonEmittedAt.get(family);
			const firstOfReason = lastOfReason === undefined || now - lastOfReason >= HOUR;
			if (context.manual || emitted.length < this.emitPerHour || firstOfReason) {
				item = {
					rejected: true,
					reason: rejection.reason,
					http_status: rejection.httpStatus,
					message: rejection.message,
					prefinery_retries: rejection.httpStatus === 429,
					event_id: rejection.event_id ?? null,
					event_type: rejection.type ?? null,
					event_verified: verified && rejection.event_id !== undefined && rejection.event_id !== null,
					url: context.manual ? 'test' : 'production',
					rejected_at: new Date(now).toISOString(),
					not_emitted_since_previous: context.manual ? 0 : total(state.notEmitted),
					not_emitted_by_reason: context.manual ? {} : Object.fromEntries(state.notEmitted),
				};
				if (!context.manual) {
					emitted.push(now);
					state.reasonEmittedAt.set(family, now);
					state.notEmitted.clear();
				}
			} else {
				bump(state.notEmitted, reason);
			}
		}
		return { log, item };
	}

	private state(scope: string, now: number): ScopeState {
		const state = this.scopes.get(scope) ?? {
			logWindowStart: now,
			logged: new Map(),
			loggedReasons: new Set(),
			logSuppressed: new Map(),
			emittedAt: new Map(),
			reasonEmittedAt: new Map(),
			notEmitted: new Map(),
		};
		touch(this.scopes, scope, state);
		trimOldest(this.scopes, MAX_SCOPES);
		return state;
	}
}

/** The process-wide reporter the trigger uses. */
export const rejections = new RejectionReporter();
