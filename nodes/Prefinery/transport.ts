/**
 * The one Prefinery API client, used by the Prefinery action node (operations and the project
 * list). The API key travels in the Authorization header (set by the credential), never in a URL.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INodeListSearchResult,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { compact } from '../../lib/api-bodies';
import {
	joinUrl,
	nextPageAfter,
	PREFINERY_API_BASE_URL,
	parsePagination,
	permissionFor,
	prefineryErrorDetail,
	rateLimitFor,
	type PaginationInfo,
} from '../../lib/api';

export type PrefineryApiContext = IExecuteFunctions | ILoadOptionsFunctions;

export const CREDENTIAL_NAME = 'prefineryApi';

export interface PrefineryApiResponse<T = unknown> {
	body: T;
	pagination: PaginationInfo;
	statusCode: number;
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
): Promise<PrefineryApiResponse<T>> {
	const credentials = await this.getCredentials(CREDENTIAL_NAME);
	if (!credentials.apiKey) {
		throw new NodeApiError(this.getNode(), {} as JsonObject, {
			message: 'The Prefinery credential has no API key',
			description:
				'Add an API key to the Prefinery API credential (Prefinery: Company Settings → API Keys; needs the Essentials plan or higher).',
		});
	}
	const baseUrl = (credentials.baseUrl as string | undefined) || PREFINERY_API_BASE_URL;
	const query = qs ? compact(qs) : {};
	const options: IHttpRequestOptions = {
		method,
		url: joinUrl(baseUrl, path),
		// Prefinery asks for this header on every create/update; sent on every request. The API key
		// is added by the credential (Authorization header), never to the URL.
		headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
		json: true,
		returnFullResponse: true,
	};
	if (Object.keys(query).length > 0) options.qs = query;
	if (body !== undefined) options.body = body;
	try {
		const response = (await this.helpers.httpRequestWithAuthentication.call(
			this,
			CREDENTIAL_NAME,
			options,
		)) as { body: T; headers: Record<string, unknown>; statusCode: number };
		return {
			body: response.body,
			pagination: parsePagination(response.headers?.['x-pagination']),
			statusCode: response.statusCode,
		};
	} catch (error) {
		throw toNodeApiError.call(this, error as HttpErrorLike, method, path);
	}
}

function toNodeApiError(
	this: PrefineryApiContext,
	error: HttpErrorLike,
	method: string,
	path: string,
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
		message = `Prefinery rate limit reached (${rateLimitFor(path)})`;
		description = `Wait and try again; turn on "Retry On Fail" in the node settings to retry automatically. ${description}`;
	} else if (status === 404) {
		message = `Prefinery could not find it (404): ${prefineryMessage}`;
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
 * Every item of a paged list, following `X-Pagination` until the last page or `limit` items (see
 * `nextPageAfter` for a list without the header). A page identical to the one before means the API
 * ignored `page`: that fails loudly rather than doubling items or looping.
 */
export async function prefineryApiRequestAll<T = IDataObject>(
	this: PrefineryApiContext,
	path: string,
	qs: IDataObject = {},
	limit = Infinity,
): Promise<T[]> {
	const items: T[] = [];
	let page = 1;
	let firstBatchLength = 0;
	let previous = '';
	for (;;) {
		const response = await prefineryApiRequest.call(this, 'GET', path, undefined, { ...qs, page });
		const batch = Array.isArray(response.body) ? (response.body as T[]) : [];
		const fingerprint = JSON.stringify(batch);
		if (page > 1 && batch.length > 0 && fingerprint === previous) {
			throw new NodeOperationError(this.getNode(), `Prefinery returned the same ${batch.length} items for page ${page} as for the page before`, {
				description: `GET ${path}: the list does not advance, so it was stopped rather than repeat items. Try again later, or use a smaller Limit.`,
			});
		}
		previous = fingerprint;
		if (page === 1) firstBatchLength = batch.length;
		items.push(...batch);
		if (items.length >= limit) return items.slice(0, limit);
		const next = nextPageAfter(page, batch.length, firstBatchLength, response.pagination);
		if (next === null) return items;
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
	const betas = await prefineryApiRequestAll.call<ILoadOptionsFunctions, [string], Promise<BetaSummary[]>>(
		this,
		'/betas',
	);
	const needle = filter?.toLowerCase() ?? '';
	return {
		results: betas
			.filter((beta) => !needle || `${beta.name ?? ''} ${beta.id}`.toLowerCase().includes(needle))
			.map((beta) => ({ name: `${beta.name ?? 'Project'} (${beta.id})`, value: String(beta.id) })),
	};
}
