/**
 * Prefinery REST API v2: the pure parts of the client (paths, paging, error messages). The n8n-aware
 * transport in `nodes/Prefinery/transport.ts` uses these; so do the tests. No n8n imports.
 */

/** Prefinery's REST API v2, the default of the API credential's base URL. */
export const PREFINERY_API_BASE_URL = 'https://api.prefinery.com/api/v2';

export interface PaginationInfo {
	page: number | null;
	pages: number | null;
	nextPage: number | null;
	count: number | null;
}

function int(value: unknown): number | null {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
	return null;
}

/** Parses Prefinery's `X-Pagination` response header (JSON). Missing or invalid → all null. */
export function parsePagination(header: unknown): PaginationInfo {
	const empty: PaginationInfo = { page: null, pages: null, nextPage: null, count: null };
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
		count: int(p.count ?? p.total_count ?? p.total),
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

/** Documented rate limits, for 429 messages. */
export function rateLimitFor(path: string): string {
	if (/^\/?betas\/?$/.test(path) || /^\/?betas\/[^/]+\/?$/.test(path))
		return 'projects: 90 requests per 15 minutes';
	if (/\/testers/.test(path)) return 'testers: 60 per minute per project, 180 per minute per company';
	if (/\/(points|rewards)/.test(path)) return 'rewards and points: 60 per minute';
	return 'Prefinery API rate limit';
}

export function joinUrl(baseUrl: string, path: string): string {
	return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Path segment for an id typed by a user: trimmed and URL-encoded (so `1/../2` cannot change the route). */
export function pathId(value: unknown): string {
	return encodeURIComponent(String(value ?? '').trim());
}

function isEmptyValue(value: unknown): boolean {
	if (value === undefined || value === null || value === '') return true;
	if (Array.isArray(value)) return value.length === 0;
	if (typeof value === 'object') return Object.keys(value as object).length === 0;
	return false;
}

/**
 * A copy without empty values (undefined, null, '', [] and {}), recursing into plain objects.
 * Used for query strings and request bodies built from optional n8n fields: an unset field is
 * left out rather than sent as "" (which Prefinery would store).
 */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
	const out: Record<string, unknown> = {};
	for (const [key, raw] of Object.entries(value)) {
		const item =
			raw !== null && typeof raw === 'object' && !Array.isArray(raw)
				? compact(raw as Record<string, unknown>)
				: raw;
		if (!isEmptyValue(item)) out[key] = item;
	}
	return out as Partial<T>;
}

export interface TesterInput {
	email?: string;
	status?: string;
	referred_by?: string;
	profile?: Record<string, unknown>;
	responses?: Array<{ question_id: number | string; answer: unknown }>;
}

/**
 * Request body for creating or updating a tester: `{"tester": {...}}` with Prefinery's own field
 * names, empty fields left out. `question_id` is sent as a number when it is one.
 */
export function testerBody(input: TesterInput): { tester: Record<string, unknown> } {
	const responses = (input.responses ?? [])
		.filter((r) => r && String(r.question_id ?? '').trim() !== '')
		.map((r) => {
			const id = String(r.question_id).trim();
			return { question_id: /^\d+$/.test(id) ? Number(id) : id, answer: r.answer ?? '' };
		});
	return {
		tester: compact({
			email: typeof input.email === 'string' ? input.email.trim() : input.email,
			status: input.status,
			referred_by: input.referred_by,
			profile: input.profile ?? {},
			responses,
		}),
	};
}
