/**
 * Request bodies and query strings of the Prefinery action node, built from n8n's optional fields
 * with Prefinery's own field names. Pure module: no n8n imports.
 */

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
