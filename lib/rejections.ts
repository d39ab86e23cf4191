/**
 * Rejected deliveries made visible inside n8n, within bounds: which rejections to write to n8n's log,
 * and which to emit as an item on the trigger's Rejected output (an execution the user sees in
 * Executions and can wire an alert to). Per trigger node:
 * - log: at most `logPerMinute` lines a minute; the first line after a quiet spell says how many were
 *   left out;
 * - Rejected output in production: at most `emitPerHour` items an hour; each says how many rejections
 *   were not emitted since the previous one (n8n Cloud counts executions, and a flood of forged
 *   requests must not become a flood of executions);
 * - Rejected output on the Test URL: always (the user is listening, and one item ends the listening).
 * Pure module: no n8n imports. Nothing here sees a secret: the message is the answer's own text.
 */
import { touch, trimOldest } from './lru';

export const LOG_LINES_PER_MINUTE = 10;
export const REJECTED_ITEMS_PER_HOUR = 3;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Trigger nodes tracked at most (least recently rejected first out). */
const MAX_SCOPES = 5_000;

export interface Rejection {
	reason: string;
	httpStatus: number;
	message: string;
	event_id?: number | string | null;
	type?: string;
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
	/** `test` (Test URL, editor listening) or `production`. */
	url: 'test' | 'production';
	rejected_at: string;
	/** Rejections of this trigger not emitted since the previous item (beyond the hourly bound). */
	not_emitted_since_previous: number;
}

export interface RejectionReport {
	/** A line for n8n's log, or null when the per-minute bound left it out. */
	log: string | null;
	/** An item for the Rejected output, or null. */
	item: RejectedItem | null;
}

interface ScopeState {
	logWindowStart: number;
	logged: number;
	logSuppressed: number;
	emittedAt: number[];
	notEmitted: number;
}

/** A value from a body, safe for one log line: no control characters, at most 80 characters. */
function printable(value: unknown): string {
	// eslint-disable-next-line no-control-regex
	return String(value).replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 80);
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
	report(scope: string, rejection: Rejection, context: { manual: boolean; output: boolean }): RejectionReport {
		const now = this.clock();
		const state = this.state(scope, now);
		const about =
			rejection.event_id !== undefined && rejection.event_id !== null
				? ` (event ${printable(rejection.event_id)}${rejection.type ? `, ${printable(rejection.type)}` : ''})`
				: '';
		const where = context.manual ? 'Test URL' : 'Production URL';

		let log: string | null = null;
		if (now - state.logWindowStart >= MINUTE) {
			const left = state.logSuppressed;
			state.logWindowStart = now;
			state.logged = 0;
			state.logSuppressed = 0;
			if (left > 0) log = `[${left} more rejected in the minute before, not logged] `;
		}
		if (state.logged < this.logPerMinute) {
			state.logged += 1;
			log = `${log ?? ''}Prefinery Trigger rejected a delivery to the ${where}${about}: ${rejection.httpStatus} ${rejection.reason}. ${rejection.message}`;
		} else {
			state.logSuppressed += 1;
			log = null;
		}

		let item: RejectedItem | null = null;
		if (context.output) {
			state.emittedAt = state.emittedAt.filter((at) => now - at < HOUR);
			if (context.manual || state.emittedAt.length < this.emitPerHour) {
				item = {
					rejected: true,
					reason: rejection.reason,
					http_status: rejection.httpStatus,
					message: rejection.message,
					prefinery_retries: rejection.httpStatus === 429,
					event_id: rejection.event_id ?? null,
					event_type: rejection.type ?? null,
					url: context.manual ? 'test' : 'production',
					rejected_at: new Date(now).toISOString(),
					not_emitted_since_previous: context.manual ? 0 : state.notEmitted,
				};
				if (!context.manual) {
					state.emittedAt.push(now);
					state.notEmitted = 0;
				}
			} else {
				state.notEmitted += 1;
			}
		}
		return { log, item };
	}

	private state(scope: string, now: number): ScopeState {
		const state = this.scopes.get(scope) ?? { logWindowStart: now, logged: 0, logSuppressed: 0, emittedAt: [], notEmitted: 0 };
		touch(this.scopes, scope, state);
		trimOldest(this.scopes, MAX_SCOPES);
		return state;
	}
}

/** The process-wide reporter the trigger uses. */
export const rejections = new RejectionReporter();
