/**
 * Parsing and normalising Prefinery webhook payloads into typed, predictable items.
 *
 * Pure module: no n8n imports. Never throws on any input: `parseEnvelope` reports what is wrong,
 * `normalizeEvent` accepts any valid envelope, keeps unknown fields and never fails on a field
 * Prefinery adds later.
 */
import { kindOfEvent } from './events';
import {
	POINT_FIELDS,
	PROFILE_FIELDS,
	REWARD_FIELDS,
	TESTER_FIELDS,
	type FieldKind,
	type PrefineryPoint,
	type PrefineryProfile,
	type PrefineryReward,
	type PrefineryTester,
} from './fields';
import type { JsonObject, PrefineryEnvelope, PrefineryEventItem } from './types';

export type { JsonObject, PrefineryEnvelope, PrefineryEventItem } from './types';

export type EnvelopeParse =
	| { ok: true; envelope: PrefineryEnvelope; body: JsonObject }
	| { ok: false; message: string };

export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return `a ${typeof value}`;
}

const MAX_REPORTED_BODY = 'Send the JSON object Prefinery sends: {"id":…,"type":"tester_created","data":{…},"created_at":…}.';

/**
 * Parses and validates a request body as a Prefinery envelope.
 *
 * `rawBody` (the exact bytes) is preferred; `parsedBody` (what the web server parsed) is used when
 * no raw bytes are available. Requires a JSON object with a non-empty string `type` and an object
 * `data`; `id`, when present, must be an integer or a non-empty string.
 */
export function parseEnvelope(rawBody: Buffer | undefined, parsedBody?: unknown): EnvelopeParse {
	let body: unknown;
	if (rawBody !== undefined && rawBody.length > 0) {
		try {
			body = parseJson(rawBody.toString('utf8'));
		} catch {
			return { ok: false, message: `The request body is not valid JSON. ${MAX_REPORTED_BODY}` };
		}
	} else if (rawBody !== undefined || parsedBody === undefined || isEmptyObject(parsedBody)) {
		return { ok: false, message: `The request body is empty. ${MAX_REPORTED_BODY}` };
	} else {
		body = parsedBody;
	}
	if (!isJsonObject(body)) {
		return {
			ok: false,
			message: `The request body is ${describe(body)}, not a JSON object. ${MAX_REPORTED_BODY}`,
		};
	}
	const { id, type, data } = body;
	if (typeof type !== 'string' || type.trim() === '') {
		return {
			ok: false,
			message:
				type === undefined
					? `The body has no "type" field, so it is not a Prefinery event. ${MAX_REPORTED_BODY}`
					: `The body's "type" must be a non-empty string (the event name), not ${describe(type)}.`,
		};
	}
	if (!isJsonObject(data)) {
		return {
			ok: false,
			message:
				data === undefined
					? `The body has no "data" field, so it is not a Prefinery event. ${MAX_REPORTED_BODY}`
					: `The body's "data" must be a JSON object (the tester, reward…), not ${describe(data)}.`,
		};
	}
	let eventId: number | string | null = null;
	if (id !== undefined && id !== null) {
		if (typeof id === 'number' && Number.isSafeInteger(id)) eventId = id;
		// An integer beyond 2^53 that a double holds exactly (10000000000000000000): `parseJson` left it
		// a number because it prints back as sent, so its digits are the literal's. From raw bytes only
		// (a body n8n parsed may have been rounded).
		else if (typeof id === 'number' && rawBody !== undefined && /^-?\d+$/.test(String(id))) eventId = String(id);
		else if (typeof id === 'string' && id.trim() !== '') eventId = id;
		else
			return {
				ok: false,
				message: `The body's "id" must be the event's integer id, not ${describe(id)}${typeof id === 'number' ? ` (${id})` : ''}.`,
			};
	}
	return { ok: true, envelope: { ...body, id: eventId, type, data }, body };
}

function isEmptyObject(value: unknown): boolean {
	return isJsonObject(value) && Object.keys(value).length === 0;
}

// ---- JSON exactly as sent -----------------------------------------------------------------------

/** A run of digits long enough to be an integer beyond 2^53 (which JSON.parse would round). */
const LONG_DIGITS = /\d{16}/;

/**
 * `JSON.parse`, but exact: a leading UTF-8 byte order mark is ignored (the signature was already
 * checked over the bytes as received), and an integer literal that a double cannot hold exactly
 * (beyond ±2^53) becomes a string of its exact digits instead of a rounded number. Throws on invalid JSON like `JSON.parse`.
 */
export function parseJson(text: string): unknown {
	const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
	return JSON.parse(LONG_DIGITS.test(source) ? quoteUnsafeIntegers(source) : source);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Puts quotes around every integer literal outside strings that a double cannot hold exactly. */
function quoteUnsafeIntegers(text: string): string {
	let out = '';
	let copied = 0;
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (c === '"') {
			for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
			i++;
		} else if (c === '-' || isDigit(c)) {
			let end = c === '-' ? i + 1 : i;
			while (isDigit(text[end])) end++;
			if (text[end] === '.' || text[end] === 'e' || text[end] === 'E') {
				// A fraction or exponent: a decimal number, left to JSON.parse.
				for (end++; end < text.length && /[0-9eE+\-.]/.test(text[end]); end++);
			} else {
				const literal = text.slice(i, end);
				const number = Number(literal);
				if (!Number.isSafeInteger(number) && String(number) !== literal) {
					out += `${text.slice(copied, i)}"${literal}"`;
					copied = end;
				}
			}
			i = end;
		} else {
			i++;
		}
	}
	return out + text.slice(copied);
}

// ---- Value coercion ---------------------------------------------------------------------------

/**
 * A number from a number or a numeric string; null when it is neither. A string of digits beyond
 * ±2^53 stays a string (as a number it would be rounded).
 */
export function toInteger(value: unknown): number | string | null {
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) {
		const text = value.trim();
		const number = Number(text);
		return /^-?\d+$/.test(text) && !Number.isSafeInteger(number) ? text : number;
	}
	return null;
}

/** The canonical digits of an integer written as text (`"007"` → `"7"`, any length), or null. */
export function canonicalInteger(text: string): string | null {
	// Leading zeros stripped by hand, not with BigInt: BigInt of a few million digits blocks the event
	// loop for seconds, and the digits come from a request. Linear in the length.
	const trimmed = text.trim();
	if (!/^-?\d+$/.test(trimmed)) return null;
	const sign = trimmed.startsWith('-') ? '-' : '';
	let start = sign.length;
	while (start < trimmed.length - 1 && trimmed[start] === '0') start++;
	const digits = trimmed.slice(start);
	return digits === '0' ? '0' : `${sign}${digits}`;
}

export function toText(value: unknown): string | null {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return null;
}

const ISO_SECONDS_UTC =
	/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;
/** An ISO-8601 date and time without a zone: read as UTC, never as the server's local time. */
const ISO_WITHOUT_ZONE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/;
/** A date-only ISO string, which Date.parse reads as UTC. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Ends with an explicit zone (Z, ±hh:mm, ±hhmm, GMT, UTC): Date.parse reads it the same in any TZ. */
const EXPLICIT_ZONE = /(Z|[+-]\d{2}:?\d{2}|\bGMT|\bUTC)$/i;
/**
 * Unix time at or above this is milliseconds, not seconds (1e11 seconds is the year 5138; 1e11
 * milliseconds is March 1973, before any Prefinery event).
 */
const MILLISECONDS_FROM = 1e11;

/** Unix seconds from Unix seconds or milliseconds (a number, or a string of 9 to 13 digits). */
function unixSecondsOf(value: unknown): number | null {
	const number =
		typeof value === 'number' ? value : typeof value === 'string' && /^\d{9,13}$/.test(value.trim()) ? Number(value) : NaN;
	if (!Number.isFinite(number)) return null;
	return Math.abs(number) >= MILLISECONDS_FROM ? Math.floor(number / 1000) : number;
}

/**
 * ISO-8601 UTC string from an ISO string, Unix seconds or Unix milliseconds. A date-time without a
 * zone is read as UTC. A string that is not such a date (or names no zone, so it would depend on the
 * server's time zone) is kept as sent: it is still the best information there is. Anything else
 * becomes null.
 */
export function toIsoTimestamp(value: unknown): string | null {
	const seconds = unixSecondsOf(value);
	if (seconds !== null) {
		const date = new Date(seconds * 1000);
		return Number.isNaN(date.getTime()) ? null : date.toISOString();
	}
	if (typeof value !== 'string') return null;
	// Fast path for Prefinery's usual form, "2012-09-06T23:29:20Z": for every real date the same
	// result as the Date round-trip below (an impossible day such as 02-30 is kept, not rolled over).
	if (value.length === 20 && ISO_SECONDS_UTC.test(value)) return `${value.slice(0, 19)}.000Z`;
	const trimmed = value.trim();
	if (trimmed === '') return null;
	const withoutZone = ISO_WITHOUT_ZONE.exec(trimmed);
	const readable = withoutZone
		? `${withoutZone[1]}T${withoutZone[2]}Z`
		: ISO_DATE.test(trimmed) || EXPLICIT_ZONE.test(trimmed)
			? trimmed
			: null;
	const ms = readable === null ? NaN : Date.parse(readable);
	return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** Unix seconds of a timestamp field, or null when it is not a date. */
export function toUnixSeconds(value: unknown): number | null {
	const seconds = unixSecondsOf(value);
	if (seconds !== null) return seconds;
	const iso = toIsoTimestamp(value);
	if (iso === null || iso === value) return null;
	return Math.floor(Date.parse(iso) / 1000);
}

/** `converted` when the value could be converted, null for an absent value, else the value as sent. */
function orAsSent(converted: unknown, value: unknown): unknown {
	if (converted !== null) return converted;
	return value === undefined || value === null ? null : value;
}

function toProfile(value: unknown): unknown {
	if (value !== undefined && value !== null && !isJsonObject(value)) return value;
	const source = isJsonObject(value) ? value : {};
	const profile: JsonObject = {};
	for (const key of PROFILE_FIELDS) {
		const field = hasOwn(source, key) ? source[key] : undefined;
		profile[key] = orAsSent(toText(field), field);
	}
	return withUnknownKeys(profile, source) as PrefineryProfile;
}

function toResponses(value: unknown): unknown {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) return value;
	// `question_id` and `answer` always present (null when absent); other values kept as sent.
	return value.map((entry): unknown =>
		isJsonObject(entry) ? { ...entry, question_id: entry.question_id ?? null, answer: entry.answer ?? null } : entry,
	);
}

/**
 * A known field's value: converted to its documented type where it can be (numeric strings to
 * numbers, Unix time to ISO), null when absent, and otherwise kept exactly as sent (never dropped).
 */
function coerce(kind: FieldKind, value: unknown): unknown {
	switch (kind) {
		case 'integer':
			return orAsSent(toInteger(value), value);
		case 'string':
			return orAsSent(toText(value), value);
		case 'timestamp':
			return orAsSent(toIsoTimestamp(value), value);
		case 'profile':
			return toProfile(value);
		case 'responses':
			return toResponses(value);
		case 'any':
			return value === undefined ? null : value;
	}
}

/** Adds the keys of `source` that `target` does not have yet (unknown fields, kept as sent). */
function withUnknownKeys(target: JsonObject, source: JsonObject): JsonObject {
	for (const key of Object.keys(source)) {
		if (!hasOwn(target, key)) setOwn(target, key, source[key]);
	}
	return target;
}

const hasOwn = (object: object, key: string): boolean =>
	Object.prototype.hasOwnProperty.call(object, key);

/**
 * Adds an own enumerable property. A plain assignment would treat names such as `__proto__` as
 * the prototype, dropping the field (and changing the object); Prefinery data is kept as data.
 */
function setOwn(target: JsonObject, key: string, value: unknown): void {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Every known field present in catalogue order (coerced, null when absent), then the unknown
 * fields as sent.
 */
export function normalizeObject<T>(
	fields: ReadonlyArray<readonly [string, FieldKind]>,
	source: JsonObject,
): T {
	const out: JsonObject = {};
	for (const [name, kind] of fields) {
		out[name] = coerce(kind, hasOwn(source, name) ? source[name] : undefined);
	}
	return withUnknownKeys(out, source) as T;
}

const TESTER_ENTRIES = Object.entries(TESTER_FIELDS) as ReadonlyArray<readonly [string, FieldKind]>;
const REWARD_ENTRIES = Object.entries(REWARD_FIELDS) as ReadonlyArray<readonly [string, FieldKind]>;
const POINT_ENTRIES = Object.entries(POINT_FIELDS) as ReadonlyArray<readonly [string, FieldKind]>;

export const normalizeTester = (data: JsonObject): PrefineryTester =>
	normalizeObject<PrefineryTester>(TESTER_ENTRIES, data);
export const normalizeReward = (data: JsonObject): PrefineryReward =>
	normalizeObject<PrefineryReward>(REWARD_ENTRIES, data);
export const normalizePoint = (data: JsonObject): PrefineryPoint =>
	normalizeObject<PrefineryPoint>(POINT_ENTRIES, data);

/** The project (beta) an event belongs to, when the payload says. */
export function projectIdOf(envelope: PrefineryEnvelope): number | string | null {
	const candidates = [
		envelope.data.project_id,
		envelope.data.beta_id,
		envelope.project_id,
		envelope.beta_id,
	];
	for (const candidate of candidates) {
		const id = toInteger(candidate);
		if (id !== null) return id;
	}
	return null;
}

/**
 * Every project field an event has (`data.project_id`, `data.beta_id`, `project_id`, `beta_id`), as
 * sent, whatever its type: the Project filter requires each to name its project.
 */
export function projectIdsOf(envelope: PrefineryEnvelope): unknown[] {
	return [envelope.data.project_id, envelope.data.beta_id, envelope.project_id, envelope.beta_id].filter(
		(candidate) => candidate !== undefined && candidate !== null,
	);
}

/**
 * The keys of a typed item and what each holds, in output order: the list the output schema
 * (scripts/write-schema.mjs) is built from; `normalizeEvent` sets every one of them.
 */
export const ITEM_FIELDS = {
	id: 'event_id',
	type: 'event_type',
	created_at: 'timestamp',
	created_at_unix: 'integer',
	object: 'object_kind',
	project_id: 'integer',
	tester: 'tester',
	reward: 'reward',
	point: 'point',
	data: 'data',
	sample: 'boolean',
	signature_verified: 'boolean',
} as const satisfies Record<keyof PrefineryEventItem & string, string>;

export interface NormalizeOptions {
	sample?: boolean;
	signatureVerified?: boolean;
}

/** The typed output item for a valid envelope. */
export function normalizeEvent(
	envelope: PrefineryEnvelope,
	options: NormalizeOptions = {},
): PrefineryEventItem {
	const kind = kindOfEvent(envelope.type);
	const item: PrefineryEventItem = {
		id: envelope.id,
		type: envelope.type,
		created_at: toIsoTimestamp(envelope.created_at),
		created_at_unix: toUnixSeconds(envelope.created_at),
		object: kind,
		project_id: projectIdOf(envelope),
		tester: kind === 'tester' ? normalizeTester(envelope.data) : null,
		reward: kind === 'reward' ? normalizeReward(envelope.data) : null,
		point: kind === 'point' ? normalizePoint(envelope.data) : null,
		data: kind === 'unknown' ? envelope.data : null,
		sample: options.sample ?? false,
		signature_verified: options.signatureVerified ?? false,
	};
	// Unknown envelope fields (Prefinery may add some) are kept, never overwriting ours: every key
	// of ITEM_FIELDS is already an own property of `item`.
	return withUnknownKeys(item, envelope) as PrefineryEventItem;
}
