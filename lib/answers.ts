/**
 * The trigger's answers to a delivery: one catalogue of every reason it can give, with the HTTP
 * status, the body's `status` and the message a person reads (in Prefinery's delivery log, in the
 * browser for a sample, in n8n's log). Pure module: no n8n imports.
 *
 * Statuses follow Prefinery's delivery rules: 200 is "accepted" (also for events deliberately
 * skipped, so Prefinery does not count them as failures); 429 is retried with back-off for about two
 * days, so it is used wherever a fix on the n8n side would make the retry succeed (`fixable`); any
 * other 4xx is dropped for good, so it is kept for what no fix on the receiving side could change;
 * 410 would remove the endpoint, so it is never used. Never a 5xx.
 */

export type AnswerStatus = 'accepted' | 'ignored' | 'duplicate' | 'rejected';

export interface AnswerBody {
	status: AnswerStatus;
	/** Machine-readable reason for non-accepted answers. */
	reason?: string;
	message: string;
	event_id?: number | string | null;
	type?: string;
}

/**
 * Every reason a delivery is not accepted, with its HTTP status and body `status`. `fixable`: a fix on
 * the n8n side (the secret, the clock, the tolerance, the filter, a proxy that strips the header) would
 * make Prefinery's retry of the same delivery succeed; such answers are 429 by default, so Prefinery
 * retries them for about two days, and `httpStatus` only under the strict answer policy.
 */
export const ANSWERS = {
	// Acknowledged without an execution (200).
	event_not_selected: { httpStatus: 200, status: 'ignored', fixable: false },
	project_not_selected: { httpStatus: 200, status: 'ignored', fixable: false },
	duplicate_event_id: { httpStatus: 200, status: 'duplicate', fixable: false },
	get_not_delivered: { httpStatus: 200, status: 'ignored', fixable: false },
	// The signature.
	missing_header: { httpStatus: 401, status: 'rejected', fixable: true },
	mismatch: { httpStatus: 401, status: 'rejected', fixable: true },
	timestamp_too_old: { httpStatus: 401, status: 'rejected', fixable: true },
	timestamp_in_future: { httpStatus: 401, status: 'rejected', fixable: true },
	no_secret: { httpStatus: 401, status: 'rejected', fixable: true },
	malformed_header: { httpStatus: 401, status: 'rejected', fixable: false },
	no_v1_signature: { httpStatus: 401, status: 'rejected', fixable: false },
	raw_body_unavailable: { httpStatus: 401, status: 'rejected', fixable: false },
	// Fixable in n8n, and always asked to be retried (429).
	credential_unavailable: { httpStatus: 429, status: 'rejected', fixable: true },
	// A parameter whose expression cannot be evaluated: even the answer policy may be unknown.
	parameter_unavailable: { httpStatus: 429, status: 'rejected', fixable: true },
	// Only under the retry policy (strict answers the plain 401 `mismatch`).
	mismatch_recheck_pending: { httpStatus: 429, status: 'rejected', fixable: true, retryPolicyOnly: true },
	invalid_project_filter: { httpStatus: 400, status: 'rejected', fixable: true },
	invalid_events: { httpStatus: 400, status: 'rejected', fixable: true },
	// The body itself: no fix on the receiving side changes it.
	not_a_prefinery_event: { httpStatus: 400, status: 'rejected', fixable: false },
	body_too_large: { httpStatus: 413, status: 'rejected', fixable: false },
} as const satisfies Record<string, { httpStatus: number; status: AnswerStatus; fixable: boolean; retryPolicyOnly?: true }>;

/**
 * How fixable failures are answered: `retry` (default) 429, so Prefinery retries and nothing is lost
 * while the user fixes it; `reject` the catalogue's 4xx, so Prefinery drops the event at once.
 */
export type FixablePolicy = 'retry' | 'reject';

/** The HTTP status of a reason under a policy. */
export function httpStatusOf(reason: Reason, policy: FixablePolicy = 'retry'): number {
	const answer = ANSWERS[reason];
	return answer.fixable && policy === 'retry' ? 429 : answer.httpStatus;
}

export type Reason = keyof typeof ANSWERS;

/** The fixed messages; reasons whose message depends on the delivery are built by the functions below. */
export const MESSAGES = {
	get_not_delivered:
		'This is a Prefinery Trigger URL. Prefinery delivers events here with POST; paste this URL in Prefinery: your project → Integrations → Webhooks → Add a URL. Sample events (GET) work only on the Test URL while the editor listens.',
	missing_header:
		'Missing X-Prefinery-Signature header. Only signed requests from Prefinery are accepted; send test events with `npm run send-sample` or turn off "Verify Signature".',
	malformed_header: 'Malformed X-Prefinery-Signature header: expected "t=<unix seconds>,v1=<hex HMAC-SHA256>".',
	no_v1_signature: 'X-Prefinery-Signature has no v1 signature; only the v1 scheme is accepted.',
	mismatch:
		"Signature does not match. Check that the credential's webhook signing secret is the one of this Prefinery project (it changes when rotated), and that nothing between Prefinery and n8n rewrites the body.",
	no_secret:
		'The Prefinery credential has no webhook signing secret. Copy it from Prefinery (your project → Integrations → Webhooks → View secret) into the credential, or turn off "Verify Signature".',
	raw_body_unavailable:
		'The raw request body is not available (e.g. sent as multipart/form-data), so the signature cannot be checked. Prefinery sends application/json.',
	credential_unavailable:
		'The Prefinery Trigger could not read its Prefinery Webhook credential in n8n. Select or repair the credential in the node; Prefinery will retry this delivery.',
	mismatch_recheck_pending:
		"Signature does not match the signing secret this trigger read from its credential moments ago (it reads the credential again after a mismatch only a few times a minute). Prefinery retries this delivery and the retry is checked against the credential as it is then: check that the credential holds this Prefinery project's signing secret.",
	body_too_large:
		"The request body is larger than n8n's body size limit (N8N_PAYLOAD_SIZE_MAX). Prefinery's events are about 1.5 kB.",
} as const;

export const timestampInFutureMessage = (skewSeconds: number): string =>
	`Signature timestamp is more than ${skewSeconds} s in the future. Check this server's clock.`;

export const timestampTooOldMessage = (toleranceSeconds: number): string =>
	`Signature timestamp is older than the tolerance of ${toleranceSeconds} s ("Signature Tolerance" option). If Prefinery retries late deliveries, widen it.`;

export const eventNotSelectedMessage = (type: string): string =>
	`Event "${shortValue(type, 80)}" is not selected in this trigger's Events; acknowledged without starting the workflow.`;

export const projectNotSelectedMessage = (project: unknown, filter: string): string =>
	project === undefined
		? `Event names no project, this trigger listens to project ${filter} only; acknowledged without starting the workflow.`
		: `Event is for project ${shortValue(project, 40)}, this trigger listens to project ${filter}; acknowledged without starting the workflow.`;

export const invalidProjectFilterMessage = (filter: string): string =>
	`The trigger's Project filter "${shortValue(filter, 40)}" is not a Prefinery project ID (a number); fix it in the node (or empty it for any project). The workflow was not started.`;

/** A value from a request or an expression, cut short for an answer or a message. */
export function shortValue(value: unknown, max = 80): string {
	let text: string;
	try {
		text = typeof value === 'string' ? value : value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
	} catch {
		text = String(value);
	}
	return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The trigger parameters webhook() reads, by their name in the editor. */
export const PARAMETER_NAMES = {
	events: 'Events',
	verifySignature: 'Verify Signature',
	project: 'Project',
	output: 'Output',
	options: 'Options',
} as const;

export const parameterUnavailableMessage = (parameter: string): string =>
	`The trigger's "${parameter}" parameter could not be evaluated (its expression fails, e.g. it refers to a node or field that does not exist when the trigger runs). Fix or remove the expression in the node; Prefinery will retry this delivery.`;

export const invalidEventsMessage = (value: unknown): string =>
	`The trigger's Events parameter evaluates to ${shortValue(typeof value === 'string' ? JSON.stringify(value) : value)}, which is not a list of Prefinery event names this node knows (such as tester_created) or "*" for any event. Fix it in the node; the workflow was not started.`;

export const duplicateMessage = (id: number | string): string =>
	`Event ${shortValue(id, 80)} was already received; acknowledged without starting the workflow again.`;

export const DUPLICATE_WITHOUT_ID_MESSAGE =
	'An event without an "id" and with exactly the same body was already received; acknowledged without starting the workflow again.';

/**
 * What a person who asked the Test URL for a sample of an event this trigger does not take reads in
 * the browser. `known`: whether the catalogue has the event at all (a typo in `?event=` has no fix in
 * Events).
 */
export function notSelectedSampleMessage(type: string, events: readonly string[], known: boolean): string {
	const choices = events.map((event) => `?event=${event}`).join(' or ');
	const head = known
		? `No sample sent: "${type}" is not one of this trigger's Events, so Prefinery's "${type}" deliveries would start nothing either.`
		: `No sample sent: "${type}" is not a Prefinery event this package knows, and not one of this trigger's Events.`;
	const fix = known ? ', or add the event to Events and click Execute step again' : '';
	return `${head} The editor is still listening: open this URL with ${choices}${fix}.`;
}

/** The answer body for a reason, with the event it is about when known. */
export function answerBody(
	reason: Reason,
	message: string,
	about: { event_id?: number | string | null; type?: string } = {},
): AnswerBody {
	return { status: ANSWERS[reason].status, reason, message, ...about };
}
