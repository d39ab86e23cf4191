/**
 * What the trigger does with one webhook delivery: verify, parse, filter, de-duplicate, and decide
 * the HTTP answer and the item to emit. Pure module (no n8n imports): the node file only reads the
 * request, calls `handleDelivery`, and writes the answer.
 *
 * Answers follow Prefinery's delivery rules: 200 is "accepted" (also for events we deliberately
 * skip, so Prefinery does not count them as failures); anything else except 429/410 is "rejected,
 * never retried"; 410 would remove the endpoint, so it is never used. Bad input gets a 4xx with a
 * short JSON body saying what is wrong, never a 5xx and never an exception.
 */
import { isEventSelected } from './events';
import type { EventIdMemory } from './dedupe';
import {
	normalizeEvent,
	parseEnvelope,
	projectIdOf,
	type JsonObject,
	type PrefineryEnvelope,
	type PrefineryEventItem,
} from './normalize';
import { SIGNATURE_HEADER, verifySignature, type SignatureFailure } from './signature';

export type OutputFormat = 'typed' | 'raw';

export interface DeliverySettings {
	/** Selected event types; `*` selects all. */
	events: readonly string[];
	verifySignature: boolean;
	/** Webhook signing secret (ignored when `verifySignature` is false). */
	secret: string;
	toleranceSeconds: number;
	/** Only events of this project; null/empty → any project. */
	projectId: number | null;
	output: OutputFormat;
	includeHeaders: boolean;
	/** Where emitted event ids are remembered; null → no duplicate filtering. */
	memory: EventIdMemory | null;
	/**
	 * Test-URL mode: a delivery with no signature header at all is accepted and marked
	 * `signature_verified: false` (Prefinery's Test button may send unsigned events). A present
	 * but wrong signature is still rejected.
	 */
	allowUnsigned: boolean;
}

export interface DeliveryRequest {
	/** Raw body bytes exactly as received. */
	rawBody: Buffer | undefined;
	/** The body as the web server parsed it (fallback when raw bytes are missing). */
	body?: unknown;
	/** Request headers, lower-case names. */
	headers: Record<string, string | string[] | undefined>;
	/** Current time in Unix seconds. */
	now: number;
	/** Marks the item as a sample payload (the test-event mock). */
	sample?: boolean;
}

export type AnswerStatus = 'accepted' | 'ignored' | 'duplicate' | 'rejected';

export interface AnswerBody {
	status: AnswerStatus;
	/** Machine-readable reason for non-accepted answers. */
	reason?: string;
	message: string;
	event_id?: number | string | null;
	type?: string;
}

export type DeliveryOutcome =
	| { emit: true; httpStatus: 200; answer: AnswerBody; item: JsonObject }
	| { emit: false; httpStatus: 200 | 400 | 401; answer: AnswerBody };

/** Header names never copied into output items (credentials and the signature itself). */
const SECRET_HEADERS = new Set([
	'authorization',
	'proxy-authorization',
	'cookie',
	'set-cookie',
	'x-api-key',
	'x-n8n-api-key',
	SIGNATURE_HEADER,
]);

export function safeHeaders(
	headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		const lower = name.toLowerCase();
		if (value === undefined || SECRET_HEADERS.has(lower)) continue;
		out[lower] = Array.isArray(value) ? value.join(', ') : value;
	}
	return out;
}

function headerValue(
	headers: Record<string, string | string[] | undefined>,
	name: string,
): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? value.join(',') : value;
}

function reject(reason: SignatureFailure, message: string): DeliveryOutcome {
	return { emit: false, httpStatus: 401, answer: { status: 'rejected', reason, message } };
}

/** The key under which an event is remembered for duplicate filtering, or null without an id. */
export function eventKey(envelope: PrefineryEnvelope): string | null {
	return envelope.id === null ? null : `${typeof envelope.id}:${envelope.id}`;
}

/** What a person who asked the Test URL for a sample of an unselected event reads in the browser. */
function notSelectedSampleMessage(type: string, events: readonly string[]): string {
	const choices = events.map((event) => `?event=${event}`).join(' or ');
	return (
		`No sample sent: "${type}" is not one of this trigger's Events, so Prefinery's "${type}" deliveries would start nothing either. ` +
		`The editor is still listening: open this URL with ${choices}, or add the event to Events and click Execute step again.`
	);
}

export function handleDelivery(request: DeliveryRequest, settings: DeliverySettings): DeliveryOutcome {
	const signatureHeaderValue = headerValue(request.headers, SIGNATURE_HEADER);
	let signatureVerified = false;

	// 1. Signature, over the raw bytes, before anything is parsed or trusted.
	if (settings.verifySignature && !request.sample) {
		const unsignedAllowed = settings.allowUnsigned && (signatureHeaderValue ?? '').trim() === '';
		if (!unsignedAllowed) {
			if (request.rawBody === undefined) {
				return reject(
					'malformed_header',
					'The raw request body is not available, so the signature cannot be checked.',
				);
			}
			const check = verifySignature({
				secret: settings.secret,
				rawBody: request.rawBody,
				header: signatureHeaderValue,
				now: request.now,
				toleranceSeconds: settings.toleranceSeconds,
			});
			if (!check.valid) return reject(check.reason, check.message);
			signatureVerified = true;
		}
	}

	// 2. Is it a Prefinery event at all?
	const parsed = parseEnvelope(request.rawBody, request.body);
	if (!parsed.ok) {
		return {
			emit: false,
			httpStatus: 400,
			answer: { status: 'rejected', reason: 'not_a_prefinery_event', message: parsed.message },
		};
	}
	const envelope = parsed.envelope;
	const about = { event_id: envelope.id, type: envelope.type };

	// 3. Filters: event type, then project.
	if (!isEventSelected(envelope.type, settings.events)) {
		return {
			emit: false,
			httpStatus: 200,
			answer: {
				status: 'ignored',
				reason: 'event_not_selected',
				message: request.sample
					? notSelectedSampleMessage(envelope.type, settings.events)
					: `Event "${envelope.type}" is not selected in this trigger's Events; acknowledged without starting the workflow.`,
				...about,
			},
		};
	}
	if (settings.projectId !== null) {
		const project = projectIdOf(envelope);
		if (project !== null && project !== settings.projectId) {
			return {
				emit: false,
				httpStatus: 200,
				answer: {
					status: 'ignored',
					reason: 'project_not_selected',
					message: `Event is for project ${project}, this trigger listens to project ${settings.projectId}; acknowledged without starting the workflow.`,
					...about,
				},
			};
		}
	}

	// 4. Duplicates: same event id already emitted by this node.
	const key = eventKey(envelope);
	if (settings.memory && key !== null && !settings.memory.claim(key)) {
		return {
			emit: false,
			httpStatus: 200,
			answer: {
				status: 'duplicate',
				reason: 'duplicate_event_id',
				message: `Event ${String(envelope.id)} was already received; acknowledged without starting the workflow again.`,
				...about,
			},
		};
	}

	// 5. Emit.
	const item: JsonObject =
		settings.output === 'raw'
			? parsed.body
			: (normalizeEvent(envelope, {
					sample: request.sample ?? false,
					signatureVerified,
				}) satisfies PrefineryEventItem as JsonObject);
	const output: JsonObject = settings.includeHeaders
		? settings.output === 'raw'
			? { body: item, headers: safeHeaders(request.headers) }
			: { ...item, headers: safeHeaders(request.headers) }
		: item;
	return {
		emit: true,
		httpStatus: 200,
		answer: {
			status: 'accepted',
			message: request.sample ? 'Sample event emitted.' : 'Event received.',
			...about,
		},
		item: output,
	};
}
