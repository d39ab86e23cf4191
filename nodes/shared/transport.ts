/**
 * The one Prefinery API client, used by both nodes that call Prefinery's REST API: the Prefinery action
 * node (operations and the project list) and the Prefinery Catch-Up Trigger (the tester list, paced by
 * the same process-wide rate limiter). The API key travels in the Authorization header (set by the
 * credential), never in a URL.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
	INodeListSearchResult,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import { compact } from '../../lib/api-bodies';
import {
	bucketsFor,
	companyKey,
	limitNames,
	PacedRequest,
	sharedRateLimiter,
	MAX_READ_RETRIES,
	type AfterFailure,
	type Reservation,
} from '../../lib/rate-limit';
import {
	joinUrl,
	nextPageAfter,
	PREFINERY_API_BASE_URL,
	parsePagination,
	describeBody,
	permissionFor,
	prefineryErrorDetail,
	type PaginationInfo,
} from '../../lib/api';
import { baseUrlChangedMessage, checkBaseUrl, redirectTarget } from '../../lib/base-url';

export type PrefineryApiContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export const CREDENTIAL_NAME = 'prefineryApi';

export interface PrefineryApiResponse<T = unknown> {
	body: T;
	pagination: PaginationInfo;
	statusCode: number;
	/** Milliseconds this request waited for Prefinery's rate limits (pacing and 429s). */
	waitedMs: number;
	/** The `X-Pagination` header as sent (the Catch-Up trigger reads `total_count` from it). */
	paginationHeader?: unknown;
}

export interface RequestSettings {
	/** The longest one request may wait for rate limits before it fails (node option, in ms). */
	maxWaitMs: number;
	/**
	 * How long one attempt may wait for Prefinery's answer before it is abandoned (node option "Timeout
	 * (Seconds)", default `DEFAULT_TIMEOUT_SECONDS`). A GET that timed out is tried again like any
	 * request without an answer; a write is not.
	 */
	timeoutMs?: number;
	/** The item the request is for: the credential (its API Base URL) is resolved for this item. */
	itemIndex?: number;
}

/** Waits are slept in slices this long when the execution can be stopped. */
const WAIT_SLICE_MS = 1000;

/** The node option's default: 5 minutes. */
export const DEFAULT_MAX_WAIT_SECONDS = 300;
/** The node option "Timeout (Seconds)"'s default: one attempt waits at most a minute for an answer. */
export const DEFAULT_TIMEOUT_SECONDS = 60;
const DEFAULT_SETTINGS: RequestSettings = { maxWaitMs: DEFAULT_MAX_WAIT_SECONDS * 1000 };

/**
 * The API base URL each execution (n8n's context object) sends its first request to: a later request
 * of the same execution to another address is refused, so an expression in the credential's API Base
 * URL that depends on the item cannot carry the API key to a host an item names.
 */
const executionBaseUrls = new WeakMap<object, { url: string; origin: string }>();

/** The checked base URL for this request (see `lib/base-url.ts`), or the error that stops it. */
function baseUrlFor(this: PrefineryApiContext, raw: unknown, itemIndex: number | undefined): string {
	const check = checkBaseUrl(raw);
	if (!check.ok) {
		throw new NodeOperationError(this.getNode(), check.message, { description: check.description, itemIndex });
	}
	const first = executionBaseUrls.get(this);
	if (!first) {
		executionBaseUrls.set(this, { url: check.url, origin: check.origin });
	} else if (first.url !== check.url) {
		const changed = baseUrlChangedMessage(first.origin, check.origin);
		throw new NodeOperationError(this.getNode(), changed.message, { description: changed.description, itemIndex });
	}
	return check.url;
}

interface HttpErrorLike {
	httpCode?: string | number;
	statusCode?: number;
	response?: { status?: number; body?: unknown; data?: unknown };
	cause?: { response?: { status?: number; data?: unknown } };
	context?: { data?: unknown };
	description?: unknown;
	message?: string;
}

function statusOf(error: HttpErrorLike): number | null {
	const candidates = [
		error.response?.status,
		error.statusCode,
		error.cause?.response?.status,
		error.httpCode !== undefined ? Number(error.httpCode) : undefined,
	];
	for (const c of candidates) if (typeof c === 'number' && Number.isFinite(c)) return c;
	return null;
}

function bodyOf(error: HttpErrorLike): unknown {
	return (
		error.response?.body ??
		error.response?.data ??
		error.cause?.response?.data ??
		error.context?.data ??
		error.description
	);
}

export async function prefineryApiRequest<T = unknown>(
	this: PrefineryApiContext,
	method: IHttpRequestMethods,
	path: string,
	body?: IDataObject,
	qs?: IDataObject,
	settings: RequestSettings = DEFAULT_SETTINGS,
): Promise<PrefineryApiResponse<T>> {
	const credentials =
		settings.itemIndex === undefined
			? await this.getCredentials(CREDENTIAL_NAME)
			: await (this as IExecuteFunctions).getCredentials(CREDENTIAL_NAME, settings.itemIndex);
	if (!credentials.apiKey) {
		throw new NodeApiError(this.getNode(), {} as JsonObject, {
			message: 'The Prefinery credential has no API key',
			description:
				'Add an API key to the Prefinery API credential (Prefinery: Company Settings → API Keys; needs the Essentials plan or higher).',
		});
	}
	const baseUrl = baseUrlFor.call(this, credentials.baseUrl, settings.itemIndex);
	const query = qs ? compact(qs) : {};
	const attemptMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000;
	const options: IHttpRequestOptions = {
		method,
		url: joinUrl(baseUrl, path),
		// Prefinery asks for this header on every create/update; sent on every request. The API key
		// is added by the credential (Authorization header), never to the URL.
		headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
		json: true,
		returnFullResponse: true,
		// The API key never follows a redirect: a 3xx comes back as a response and fails below, naming
		// where it pointed (a redirect to another host would carry the Authorization header there).
		disableFollowRedirect: true,
		// n8n's own timeout fires only on silence (a body dripped a byte a second never trips it); the
		// deadline below bounds the whole attempt, body included.
		timeout: attemptMs,
	};
	if (Object.keys(query).length > 0) options.qs = query;
	if (body !== undefined) options.body = body;
	// Every status comes back as a response, so a 429's Retry-After can be read.
	options.ignoreHttpStatusErrors = true;
	const limiter = sharedRateLimiter();
	const pause = limiter.clock.sleep ?? sleep;
	const paced = new PacedRequest(
		limiter,
		method,
		bucketsFor(method, path, companyKey(baseUrl, String(credentials.apiKey))),
		settings.maxWaitMs,
	);
	// A stopped execution sends nothing more, stops waiting within a second, and abandons a request
	// under way (the signal goes to n8n's HTTP helper).
	const signal = 'getExecutionCancelSignal' in this ? this.getExecutionCancelSignal?.() : undefined;
	const stopIfCancelled = () => {
		if (signal?.aborted) {
			throw new NodeOperationError(this.getNode(), `The execution was stopped before ${method} ${path} was sent`);
		}
	};
	for (;;) {
		stopIfCancelled();
		const slot = paced.beforeAttempt();
		if (!slot.ok) throw pacingError.call(this, method, path, slot, settings);
		for (let left = slot.delayMs; left > 0; left -= WAIT_SLICE_MS) {
			await pause(signal ? Math.min(left, WAIT_SLICE_MS) : left);
			if (!signal) break;
			stopIfCancelled();
		}
		let response: { body: T; headers: Record<string, unknown>; statusCode: number };
		// Each attempt has a deadline of its own (Timeout), whatever the server sends meanwhile.
		const deadline = AbortSignal.timeout(attemptMs);
		try {
			// The signal ends the request itself where n8n passes it on (poll and load-options contexts); an
			// execute context replaces it with the execution's own, so the attempt also races the deadline.
			response = (await untilAborted(
				this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_NAME, {
					...options,
					abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline,
				}),
				deadline,
			)) as typeof response;
		} catch (error) {
			if (signal?.aborted) {
				throw new NodeOperationError(this.getNode(), `The execution was stopped while ${method} ${path} was under way`, {
					itemIndex: settings.itemIndex,
					description:
						method === 'GET'
							? 'The request was abandoned.'
							: `The request was abandoned; Prefinery may or may not have carried out this ${method}. Check (for example with a Get) before running it again.`,
				});
			}
			// No answer (timeout, reset, refused): a GET is tried again, a write never.
			const failure = deadline.aborted
				? ({ message: `no complete answer within ${seconds(attemptMs)} (the Timeout option)` } as HttpErrorLike)
				: (error as HttpErrorLike);
			const next = paced.afterFailure({});
			if (next.action === 'retry') {
				this.logger.warn(`Prefinery: ${method} ${path} got no answer (${failure.message ?? 'no message'}); trying the read again`);
				continue;
			}
			throw toNodeApiError.call(this, failure, method, path, next);
		}
		if (response.statusCode >= 300 && response.statusCode < 400) {
			throw redirectError.call(this, response.statusCode, response.headers?.location, options.url as string, method, path, settings);
		}
		if (response.statusCode < 400) {
			return {
				body: response.body,
				pagination: parsePagination(response.headers?.['x-pagination']),
				paginationHeader: response.headers?.['x-pagination'],
				statusCode: response.statusCode,
				waitedMs: paced.waitedMs,
			};
		}
		const retryAfter = response.headers?.['retry-after'];
		const next = paced.afterFailure({ status: response.statusCode, retryAfter });
		if (next.action === 'retry') {
			this.logger.info(
				response.statusCode === 429
					? `Prefinery: ${method} ${path} answered 429 (${limitNames(paced.buckets)})${retryAfter !== undefined ? `, Retry-After ${String(retryAfter)}` : ''}; waiting, then trying again`
					: `Prefinery: ${method} ${path} answered ${response.statusCode}; trying the read again`,
			);
			continue;
		}
		throw toNodeApiError.call(
			this,
			{ response: { status: response.statusCode, body: response.body } },
			method,
			path,
			next,
			paced,
		);
	}
}

/** `promise`, or a rejection as soon as `signal` aborts (whatever the promise is still doing). */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) throw signal.reason;
	let onAbort: (() => void) | undefined;
	const aborted = new Promise<never>((_resolve, reject) => {
		onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
	});
	// A request that fails after the deadline has nobody left to tell.
	promise.catch(() => undefined);
	try {
		return await Promise.race([promise, aborted]);
	} finally {
		if (onAbort) signal.removeEventListener('abort', onAbort);
	}
}

/** The node's own schedule for the documented limits needs a longer wait than Max Wait allows. */
function pacingError(
	this: PrefineryApiContext,
	method: string,
	path: string,
	slot: Reservation,
	settings: RequestSettings,
): NodeOperationError {
	const limit = slot.bucket?.label ?? 'Prefinery API rate limit';
	return new NodeOperationError(
		this.getNode(),
		`Prefinery rate limit: the next request would have to wait ${seconds(slot.delayMs)} (${limit}), longer than Max Wait on Rate Limit (${seconds(settings.maxWaitMs)})`,
		{ description: `${method} ${path}: ${MAX_WAIT_HINT}` },
	);
}

/**
 * Prefinery's API does not redirect; a 3xx comes from a wrong API Base URL (or a host in the way). The
 * request is not repeated at the target, so the API key stays with the base URL's own origin.
 */
function redirectError(
	this: PrefineryApiContext,
	status: number,
	location: unknown,
	requestUrl: string,
	method: string,
	path: string,
	settings: RequestSettings,
): NodeOperationError {
	const target = redirectTarget(location, requestUrl);
	return new NodeOperationError(
		this.getNode(),
		`Prefinery API answered ${status}, a redirect to ${target}: not followed, so the API key was not sent there`,
		{
			description: `${method} ${path}. The Prefinery API does not redirect: check the API Base URL of the Prefinery API credential (it should be ${PREFINERY_API_BASE_URL}, or empty for that).`,
			itemIndex: settings.itemIndex,
		},
	);
}

const MAX_WAIT_HINT =
	'Raise "Max Wait on Rate Limit (Seconds)" in the node\'s Options, or send fewer requests at once (smaller batches, a Limit instead of Return All). Other workflows and apps using the same Prefinery company share these limits.';

function seconds(ms: number): string {
	return `${Math.round(ms / 100) / 10} s`;
}

function toNodeApiError(
	this: PrefineryApiContext,
	error: HttpErrorLike,
	method: string,
	path: string,
	next?: AfterFailure,
	paced?: PacedRequest,
): NodeApiError {
	const status = statusOf(error);
	const detail = prefineryErrorDetail(bodyOf(error));
	const prefineryMessage = detail.message ?? error.message ?? 'Unknown error';
	let message = `Prefinery API error${status ? ` ${status}` : ''}: ${prefineryMessage}`;
	let description = `${method} ${path}${detail.code ? ` (Prefinery error code ${detail.code})` : ''}`;
	if (status === 401 || status === 403) {
		message = `Prefinery refused the API key (${status}): ${prefineryMessage}`;
		description = `The API key needs the "${permissionFor(path)}" permission (Prefinery: Company Settings → API Keys). ${description}`;
	} else if (status === 429) {
		// The same classification of paths as the pacing (lib/rate-limit.ts), so a 429 on POST …/testers
		// is not reported as the tester-list limit.
		message = `Prefinery rate limit reached (${limitNames(bucketsFor(method, path, ''))})`;
		if (next?.action === 'fail' && next.reason === 'max-wait' && paced) {
			const source = next.retryAfterMs !== null ? `Prefinery's Retry-After` : 'the documented window';
			description = `Waiting again would take ${seconds(next.waitMs)} (${source}); with ${seconds(paced.waitedMs)} already waited that exceeds Max Wait on Rate Limit (${seconds(paced.maxWaitMs)}). ${MAX_WAIT_HINT} ${description}`;
		} else if (next?.action === 'fail' && next.reason === 'too-many-429') {
			description = `Prefinery answered 429 ${paced?.rateLimitedCount ?? ''} times in a row. ${MAX_WAIT_HINT} ${description}`;
		}
	} else if (status === 404) {
		message = `Prefinery could not find it (404): ${prefineryMessage}`;
	}
	if (next?.action === 'fail' && next.reason === 'not-retried') {
		description = `Not retried: Prefinery may have carried out this ${method} before the failure, and repeating it could do it twice. Check (for example with a Get) before running it again. ${description}`;
	} else if (next?.action === 'fail' && next.reason === 'gave-up') {
		description = `Tried ${MAX_READ_RETRIES + 1} times. ${description}`;
	}
	// Hand NodeApiError a plain object: given n8n's own NodeApiError it would return that one
	// unchanged and drop the message and description written here.
	const body = bodyOf(error);
	const errorResponse =
		body !== null && typeof body === 'object' && !Array.isArray(body)
			? (body as JsonObject)
			: ({ message: prefineryMessage, ...(status ? { httpCode: String(status) } : {}) } as JsonObject);
	return new NodeApiError(this.getNode(), errorResponse, {
		message,
		description,
		httpCode: status ? String(status) : undefined,
	});
}

/**
 * A list page (GET …?page=N) that answered 200 with something other than a JSON array: never read as
 * "no items". One message for both nodes that list (Return All, the Catch-Up Trigger's pages).
 */
export function notAListError(this: PrefineryApiContext, path: string, page: number, response: PrefineryApiResponse): NodeApiError {
	return new NodeApiError(this.getNode(), { message: 'Unexpected response' } as JsonObject, {
		message: `Prefinery answered GET ${path} (page ${page}) with ${describeBody(response.body)}, where a list (JSON array) was expected`,
		description: `Status ${response.statusCode}. It is not read as an empty list, so nothing was taken from it. Check the credential's API Base URL (it should end in /api/v2) and try again; if it persists, Prefinery's API may have changed.`,
		httpCode: String(response.statusCode),
	});
}

/** Return All logs its progress every this many pages. */
export const PROGRESS_EVERY_PAGES = 20;
/**
 * The most pages and items one Return All reads (100,000 testers in Prefinery's pages of 25): a server
 * that always advertises a next page, or answers one enormous page, fails the item with this named
 * instead of filling n8n's memory. A larger waitlist is read with Limit and filters, or caught up by the
 * Prefinery Catch-Up Trigger in bounded batches.
 */
export const RETURN_ALL_MAX_PAGES = 4000;
export const RETURN_ALL_MAX_ITEMS = 100_000;

/**
 * Every item of a paged list, following `X-Pagination` until the last page or `limit` items (see
 * `nextPageAfter` for a list without the header). A page identical to the one before means the API
 * ignored `page`: that fails loudly rather than doubling items or looping. Each page is one
 * `prefineryApiRequest` (paced, a 429 waited out inside it), so a retried page is added once. Long
 * lists log their progress to n8n's log.
 */
export async function prefineryApiRequestAll<T = IDataObject>(
	this: PrefineryApiContext,
	path: string,
	qs: IDataObject = {},
	limit = Infinity,
	settings: RequestSettings = DEFAULT_SETTINGS,
): Promise<T[]> {
	const items: T[] = [];
	let page = 1;
	let firstBatchLength = 0;
	let previous = '';
	let waitedMs = 0;
	let pages = 0;
	const progress = (done: boolean, total: number | null) =>
		this.logger.info(
			`Prefinery: GET ${path} ${done ? 'done after' : 'at'} page ${page}${total ? ` of ${total}` : ''}, ${items.length} items so far, waited ${seconds(waitedMs)} for rate limits`,
		);
	for (;;) {
		const response = await prefineryApiRequest.call(this, 'GET', path, undefined, { ...qs, page }, settings);
		pages += 1;
		waitedMs += response.waitedMs;
		// A list endpoint answers a JSON array; anything else (an object, an error page with 200, an empty
		// body) is not taken as "no items".
		if (!Array.isArray(response.body)) throw notAListError.call(this, path, page, response);
		const batch = response.body as T[];
		const fingerprint = JSON.stringify(batch);
		if (page > 1 && batch.length > 0 && fingerprint === previous) {
			throw new NodeOperationError(this.getNode(), `Prefinery returned the same ${batch.length} items for page ${page} as for the page before`, {
				description: `GET ${path}: the list does not advance, so it was stopped rather than repeat items. Try again later, or use a smaller Limit.`,
			});
		}
		previous = fingerprint;
		if (page === 1) firstBatchLength = batch.length;
		// One item at a time: spreading a page into push() overflows the stack for a page of ~150,000.
		for (const item of batch) {
			if (items.length >= limit) break;
			items.push(item);
		}
		if (items.length >= limit) return items;
		const next = nextPageAfter(page, batch.length, firstBatchLength, response.pagination);
		if (items.length > RETURN_ALL_MAX_ITEMS || (next !== null && (pages >= RETURN_ALL_MAX_PAGES || items.length >= RETURN_ALL_MAX_ITEMS))) {
			throw new NodeOperationError(
				this.getNode(),
				`Return All stopped after ${pages} pages and ${items.length} items: it reads at most ${RETURN_ALL_MAX_PAGES} pages and ${RETURN_ALL_MAX_ITEMS} items`,
				{
					description: `GET ${path}: the list goes on beyond that, so nothing was returned for this item rather than fill n8n's memory. Turn off Return All and set a Limit, narrow the list with filters, or use the Prefinery Catch-Up Trigger, which reads a waitlist of any size in bounded batches.`,
				},
			);
		}
		if (next === null) {
			if (pages > PROGRESS_EVERY_PAGES) progress(true, response.pagination.pages);
			return items;
		}
		if (pages % PROGRESS_EVERY_PAGES === 0) progress(false, response.pagination.pages);
		page = next;
	}
}

interface BetaSummary {
	id: number | string;
	name?: string;
	[key: string]: unknown;
}

/** Projects (betas) for resource-locator dropdowns. */
export async function searchProjects(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	// The editor waits for this list: never more than a few seconds for rate limits.
	const betas = await prefineryApiRequestAll.call<
		ILoadOptionsFunctions,
		[string, IDataObject, number, RequestSettings],
		Promise<BetaSummary[]>
	>(this, '/betas', {}, Infinity, { maxWaitMs: 10_000 });
	const needle = filter?.toLowerCase() ?? '';
	return {
		results: betas
			.filter((beta) => !needle || `${beta.name ?? ''} ${beta.id}`.toLowerCase().includes(needle))
			.map((beta) => ({ name: `${beta.name ?? 'Project'} (${beta.id})`, value: String(beta.id) })),
	};
}
