/**
 * Prefinery REST API v2: the pure parts of the client (ids in paths, paging, error messages); request
 * bodies are in `api-bodies.ts`. The n8n-aware
 * transport in `nodes/shared/transport.ts` uses these; so do the tests. No n8n imports.
 */

/** Prefinery's REST API v2, the default of the API credential's base URL. */
export const PREFINERY_API_BASE_URL = 'https://api.prefinery.com/api/v2';

export interface PaginationInfo {
	page: number | null;
	pages: number | null;
	nextPage: number | null;
	/** Testers on this page (`count`). */
	count: number | null;
	/** Testers in the whole list (`total_count`). */
	totalCount: number | null;
}

function int(value: unknown): number | null {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
	return null;
}

/**
 * Parses Prefinery's `X-Pagination` response header (JSON): the one parser of it (the Prefinery node's
 * Return All and the Catch-Up Trigger). Missing or invalid → all null; `count` is the page's, `totalCount`
 * the list's (never one for the other).
 */
export function parsePagination(header: unknown): PaginationInfo {
	const empty: PaginationInfo = { page: null, pages: null, nextPage: null, count: null, totalCount: null };
	const text = Array.isArray(header) ? header[0] : header;
	if (typeof text !== 'string' || text.trim() === '') return empty;
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return empty;
	}
	if (typeof parsed !== 'object' || parsed === null) return empty;
	const p = parsed as Record<string, unknown>;
	return {
		page: int(p.current_page ?? p.page),
		pages: int(p.pages ?? p.total_pages),
		nextPage: int(p.next_page),
		count: int(p.count),
		totalCount: int(p.total_count ?? p.total),
	};
}

/** Prefinery's own error message(s) and code from an error body `{"errors":[{"message","code"}]}`. */
export function prefineryErrorDetail(body: unknown): { message: string | null; code: string | null } {
	let value = body;
	if (typeof body === 'string') {
		try {
			value = JSON.parse(body);
		} catch {
			return { message: body.trim() === '' ? null : body.slice(0, 500), code: null };
		}
	}
	if (typeof value !== 'object' || value === null) return { message: null, code: null };
	const record = value as Record<string, unknown>;
	const errors = Array.isArray(record.errors) ? record.errors : record.error ? [record.error] : [];
	const messages: string[] = [];
	let code: string | null = null;
	for (const entry of errors) {
		if (typeof entry === 'string') messages.push(entry);
		else if (typeof entry === 'object' && entry !== null) {
			const e = entry as Record<string, unknown>;
			if (typeof e.message === 'string') messages.push(e.message);
			if (code === null && (typeof e.code === 'number' || typeof e.code === 'string'))
				code = String(e.code);
		}
	}
	if (messages.length === 0 && typeof record.message === 'string') messages.push(record.message);
	return { message: messages.length ? messages.join('; ') : null, code };
}

/** Which API-key permission a path needs, for 401/403 messages. */
export function permissionFor(path: string): string {
	if (/\/testers\/[^/]+\/verify/.test(path) || /\/testers/.test(path)) return 'Testers';
	if (/\/checkins/.test(path)) return 'Check-ins';
	if (/\/friend_invitations/.test(path)) return 'Friend invitations';
	if (/\/points/.test(path)) return 'Points';
	if (/\/rewards/.test(path)) return 'Rewards';
	if (/\/suppressions/.test(path)) return 'Suppressions';
	return 'Projects';
}

export function joinUrl(baseUrl: string, path: string): string {
	return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export type IdCheck = { ok: true; segment: string } | { ok: false; message: string };

/**
 * A Prefinery id (project, tester, suppression: all integers) for a URL path. Only digits pass, with
 * white space around them trimmed and leading zeros dropped (`01` → `1`: one id, one URL, one rate-limit
 * budget, see `canonicalSegment` in rate-limit.ts): anything else (`.`, `..`, `1/2`, `%2e`, an email) would change the
 * endpoint the request goes to, so it is refused with a message saying what is expected.
 */
export function numericId(value: unknown, label: string): IdCheck {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (/^\d+$/.test(text)) return { ok: true, segment: text.replace(/^0+(?=\d)/, '') };
	const shown = typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : String(value);
	// The hint fits the ID asked for; an email where a tester ID belongs (a person or an AI agent's
	// model looking someone up) is pointed at the lookup that takes an email.
	const field = label.startsWith('tester') ? '$json.tester.id' : label.startsWith('project') ? '$json.project_id' : '$json.id';
	const byEmail = label.startsWith('tester') && text.includes('@') ? ' To find a tester by email, use Tester → Get Many with the "Email Is" filter.' : '';
	return {
		ok: false,
		message: `The ${label} must be a Prefinery ID (digits only), not ${shown}. Map the "id" field of a Prefinery item (e.g. {{ ${field} }}).${byEmail}`,
	};
}

/**
 * The page to fetch after `page`, or null when the list is complete. Follows X-Pagination
 * (`next_page`, else `pages`); without it (or with keys it does not know) it keeps paging while pages
 * are full, i.e. as long as the first page (Prefinery's are 25), so a missing header never ends a list
 * silently after page 1: at worst one more request gets an empty page.
 */
export function nextPageAfter(page: number, batchLength: number, firstBatchLength: number, pagination: PaginationInfo): number | null {
	if (batchLength === 0) return null;
	if (pagination.nextPage !== null) return pagination.nextPage > page ? pagination.nextPage : null;
	if (pagination.pages !== null) return page < pagination.pages ? page + 1 : null;
	return batchLength >= firstBatchLength ? page + 1 : null;
}

/**
 * What a response body is, for an error that expected something else: its kind and, for an object, its
 * first keys (never its values, which may hold personal data).
 */
export function describeBody(body: unknown): string {
	if (body === undefined || body === '' || body === null) return 'an empty body';
	if (Array.isArray(body)) return `a list of ${body.length} items`;
	if (typeof body === 'string') return `text (${body.length} characters, not JSON)`;
	if (typeof body === 'object') {
		const keys = Object.keys(body as Record<string, unknown>);
		if (keys.length === 0) return 'an empty object {}';
		const shown = keys.slice(0, 5).map((k) => `"${k.length > 30 ? `${k.slice(0, 30)}…` : k}"`).join(', ');
		return `an object with the key${keys.length === 1 ? '' : 's'} ${shown}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`;
	}
	return `a ${typeof body} (${String(body).slice(0, 20)})`;
}
