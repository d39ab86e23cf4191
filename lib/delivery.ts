/**
 * What the trigger does with one webhook delivery: verify, parse, filter, de-duplicate, and decide
 * the HTTP answer and the item to emit. Pure module (no n8n imports): the node file only reads the
 * request, calls `decideDelivery`, and writes the answer. Which status each answer gets, and why, is
 * in `answers.ts`; bad input gets a 4xx (or a 429 where a fix in n8n makes Prefinery's retry succeed)
 * with a short JSON body saying what is wrong, never a 5xx and never an exception.
 */
import { createHash } from 'crypto';
import {
	answerBody,
	DUPLICATE_WITHOUT_ID_MESSAGE,
	duplicateMessage,
	eventNotSelectedMessage,
	invalidEventsMessage,
	invalidProjectFilterMessage,
	MESSAGES,
	notSelectedSampleMessage,
	projectNotSelectedMessage,
	httpStatusOf,
	type AnswerBody,
	type FixablePolicy,
	type Reason,
} from './answers';
import type { ClaimStore } from './dedupe';
import { findEvent, isEventSelected } from './events';
import { canonicalInteger, normalizeEvent, parseEnvelope, projectIdsOf } from './normalize';
import type { SecretSource } from './secret-cache';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import type { JsonObject, PrefineryEnvelope, PrefineryEventItem } from './types';

export type { AnswerBody, AnswerStatus } from './answers';

export type OutputFormat = 'typed' | 'raw';

/** The trigger's Project filter: any project, one project id (digits), or a value that is not an id. */
export type ProjectFilter = { kind: 'any' } | { kind: 'id'; id: string } | { kind: 'invalid'; text: string };

export interface DeliverySettings {
	/** Selected event types; `*` selects all. */
	events: readonly string[];
	/** The Events parameter's value when it is not a usable selection (see `resolveEventSelection`). */
	invalidEvents?: { value: unknown } | null;
	verifySignature: boolean;
	/** Webhook signing secret (ignored when `verifySignature` is false). */
	secret: string;
	/** How failures a fix in n8n would cure are answered: 429 (`retry`, default) or 4xx (`reject`). */
	fixable: FixablePolicy;
	/** Maximum signature age in seconds (already resolved: see `resolveTolerance`). */
	toleranceSeconds: number;
	/** Only events of this project. */
	project: ProjectFilter;
	output: OutputFormat;
	includeHeaders: boolean;
	/** Where emitted event ids are remembered; null → no duplicate filtering. */
	memory: ClaimStore | null;
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

export type DeliveryOutcome =
	| { emit: true; httpStatus: 200; answer: AnswerBody; item: JsonObject }
	| {
			emit: false;
			httpStatus: number;
			answer: AnswerBody;
			/** Whether the event the answer names (`event_id`, `type`) came from a body whose signature verified. */
			eventVerified?: boolean;
	  };

/**
 * Header names never copied into output items: credentials and the signature itself, by name, and any
 * name that reads like a credential (`x-auth-token`, `x-api-secret`, `x-session-id`, `x-csrf-token`…).
 */
const SECRET_HEADER_WORDS = /auth|token|secret|passw|key|session|cookie|signature|credential|csrf|jwt|bearer/i;
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
		if (value === undefined || SECRET_HEADERS.has(lower) || SECRET_HEADER_WORDS.test(lower)) continue;
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

/** A non-accepted outcome for a reason of the catalogue, answered under `policy` (see `httpStatusOf`). */
export function refuse(
	reason: Reason,
	policy: FixablePolicy = 'retry',
	message: string = MESSAGES[reason as keyof typeof MESSAGES],
	about: { event_id?: number | string | null; type?: string } = {},
): Extract<DeliveryOutcome, { emit: false }> {
	return { emit: false, httpStatus: httpStatusOf(reason, policy), answer: answerBody(reason, message, about) };
}

/**
 * The longest key kept as it is, in printable ASCII (one byte a character): Prefinery's ids are
 * integers of a few digits. A hashed key (`sha256:` and 64 hex digits) is 71 characters.
 */
export const MAX_KEPT_KEY = 72;

/**
 * The key under which an event is remembered for duplicate filtering. An integer id is keyed by its
 * digits, whether it came as a number or a string (`123` and `"123"` are one event); another string id
 * by its text. An event without an id is keyed by the SHA-256 of its body, so a redelivery of the same
 * bytes is still caught.
 */
export function eventKey(envelope: PrefineryEnvelope, rawBody?: Buffer): string {
	const { id } = envelope;
	if (typeof id === 'number') return `id:${id}`;
	if (typeof id === 'string') {
		const digits = canonicalInteger(id);
		const key = digits !== null ? `id:${digits}` : `text:${id}`;
		// A long id, or one with characters beyond printable ASCII (two bytes each in memory), is
		// remembered by its hash, so the memory's bound in ids is a bound in bytes too.
		return key.length <= MAX_KEPT_KEY && /^[\x20-\x7e]*$/.test(key)
			? key
			: `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
	}
	const bytes = rawBody ?? Buffer.from(JSON.stringify(envelope), 'utf8');
	return `body:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A value from the body, at most `MAX_ECHOED` characters, for an answer. */
const MAX_ECHOED = 200;
function clip(text: string): string {
	return text.length > MAX_ECHOED ? `${text.slice(0, MAX_ECHOED)}…` : text;
}

function headerPresent(request: DeliveryRequest): boolean {
	return (headerValue(request.headers, SIGNATURE_HEADER) ?? '').trim() !== '';
}

/** Whether this delivery's signature is to be checked (so the secret is needed). */
function checksSignature(request: DeliveryRequest, settings: Pick<DeliverySettings, 'verifySignature' | 'allowUnsigned'>): boolean {
	return settings.verifySignature && !request.sample && !(settings.allowUnsigned && !headerPresent(request));
}

export function handleDelivery(request: DeliveryRequest, settings: DeliverySettings): DeliveryOutcome {
	const policy = settings.fixable;
	let signatureVerified = false;

	// 1. Signature, over the raw bytes, before anything is parsed or trusted.
	if (checksSignature(request, settings)) {
		if (!headerPresent(request)) return refuse('missing_header', policy);
		if (request.rawBody === undefined) return refuse('raw_body_unavailable', policy);
		const check = verifySignature({
			secret: settings.secret,
			rawBody: request.rawBody,
			header: headerValue(request.headers, SIGNATURE_HEADER),
			now: request.now,
			toleranceSeconds: settings.toleranceSeconds,
		});
		if (!check.valid) return refuse(check.reason, policy, check.message);
		signatureVerified = true;
	}

	// 2. Is it a Prefinery event at all?
	const parsed = parseEnvelope(request.rawBody, request.body);
	if (!parsed.ok) return refuse('not_a_prefinery_event', policy, parsed.message);
	const envelope = parsed.envelope;
	// What the answer says the event is: cut short, so a huge id or type is not echoed back.
	const about = { event_id: typeof envelope.id === 'string' ? clip(envelope.id) : envelope.id, type: clip(envelope.type) };
	/** A refusal naming the event, marked verified only when its signature was. */
	const refuseAbout = (reason: Reason, message: string): DeliveryOutcome => ({
		...refuse(reason, policy, message, about),
		eventVerified: signatureVerified,
	});

	// 3. Filters: event type, then project (only now: nothing about the settings is told to a sender
	//    whose signature was not checked).
	if (settings.invalidEvents) {
		// Never "nothing selected, 200 ignored": that would lose every event while it is wrong.
		return refuseAbout('invalid_events', invalidEventsMessage(settings.invalidEvents.value));
	}
	if (!isEventSelected(envelope.type, settings.events)) {
		const message = request.sample
			? notSelectedSampleMessage(envelope.type, settings.events, findEvent(envelope.type) !== undefined)
			: eventNotSelectedMessage(envelope.type);
		return refuseAbout('event_not_selected', message);
	}
	const filter = settings.project;
	if (filter.kind === 'invalid') {
		// Fail closed: a project filter that is not a number must not turn into "any project".
		return refuseAbout('invalid_project_filter', invalidProjectFilterMessage(filter.text));
	}
	if (filter.kind === 'id') {
		// Emitted only when the event names a project and every project field it has names this one: an
		// event without a project id, with one that is not a number, or of another project is not.
		const projects = projectIdsOf(envelope);
		const namesFilter = (project: unknown): boolean =>
			(typeof project === 'string' || typeof project === 'number') && canonicalInteger(String(project)) === filter.id;
		const other = projects.find((project) => !namesFilter(project));
		if (projects.length === 0 || other !== undefined) {
			return refuseAbout('project_not_selected', projectNotSelectedMessage(projects.length === 0 ? undefined : other, filter.id));
		}
	}

	// 4. Duplicates: the same event already emitted by this node.
	if (settings.memory && !settings.memory.claim(eventKey(envelope, request.rawBody))) {
		const message = envelope.id === null ? DUPLICATE_WITHOUT_ID_MESSAGE : duplicateMessage(envelope.id);
		return refuseAbout('duplicate_event_id', message);
	}

	// 5. Emit. The item is the event's JSON only: the node wraps it as `{ json: item }` itself, so
	//    nothing in a body (a `json`, `binary` or `pairedItem` key) can pass for an n8n item.
	//    Raw output is the body as sent when its signature was verified; otherwise (the Test URL without a
	//    signature, Verify Signature off, a sample) it is marked `signature_verified: false`, over
	//    whatever the body itself says, so an unsigned body cannot pass for a verified one.
	const item: JsonObject =
		settings.output === 'raw'
			? signatureVerified
				? parsed.body
				: { ...parsed.body, signature_verified: false }
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

/**
 * The whole decision, with the credential read only when a signature is to be checked: a request
 * without a signature header is answered without looking at the credential (so an unsigned sender
 * learns nothing of its state), and the secret comes from the kept copy when fresh. When a signature
 * does not match the kept copy, the credential is read again (at most once per interval: see
 * `SecretCache`) and the delivery decided with the current secret; a mismatch that could not be
 * re-checked because of that limit is answered 429, so Prefinery's retry is checked afresh.
 */
export async function decideDelivery(
	request: DeliveryRequest,
	settings: Omit<DeliverySettings, 'secret'>,
	secrets: SecretSource,
): Promise<DeliveryOutcome> {
	if (!checksSignature(request, settings) || !headerPresent(request)) {
		return handleDelivery(request, { ...settings, secret: '' });
	}
	const kept = secrets.kept();
	const secret = kept ?? (await secrets.read());
	if (secret === undefined) return refuse('credential_unavailable', settings.fixable);
	const outcome = handleDelivery(request, { ...settings, secret });
	const reason = outcome.answer.reason;
	if (kept === undefined || outcome.emit || (reason !== 'mismatch' && reason !== 'no_secret')) return outcome;
	// The kept copy may be out of date (the secret was changed in n8n).
	if (!secrets.mayReread()) {
		// Retry policy: 429, so Prefinery's retry is checked afresh. Strict: the mismatch as it is.
		return reason === 'mismatch' && settings.fixable === 'retry' ? refuse('mismatch_recheck_pending', settings.fixable) : outcome;
	}
	const current = await secrets.read();
	if (current === undefined) return refuse('credential_unavailable', settings.fixable);
	return current === kept ? outcome : handleDelivery(request, { ...settings, secret: current });
}
