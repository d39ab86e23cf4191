/**
 * Prefinery webhook signatures.
 *
 * Header: `X-Prefinery-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.
 * `v1` = lowercase hex HMAC-SHA256 keyed with the project's signing secret over `t + "." + raw body`.
 * Only the `v1` scheme is used (other schemes are ignored: downgrade protection); several `v1`
 * values are accepted (e.g. during a secret rotation) if any one matches.
 *
 * Pure module: Node's `crypto` only, no n8n imports.
 */
import { createHmac, timingSafeEqual } from 'crypto';
import { MESSAGES, timestampInFutureMessage, timestampTooOldMessage } from './answers';

export const SIGNATURE_HEADER = 'x-prefinery-signature';

/**
 * Default maximum age of a signature's timestamp, in seconds: 3 days.
 *
 * Why so wide: if Prefinery's retries keep their original `t` (it does not say whether it re-signs
 * them), a window narrower than its retry schedule would reject every late retry as too old: under
 * the strict answer policy each is dropped at once, and under the default 429 every later retry is
 * just as old, so the event is lost when the retries run out. Retries run up to
 * 15 attempts, the N-th about `5 s + N^4` after the previous one: about 2.1 days in all. Three days
 * covers that plus clock skew. Replays of a captured request inside the window are dropped by the
 * duplicate filter while the process remembers the event id (not across restarts or processes).
 * Users who know their deliveries are re-signed can
 * tighten it (e.g. 300 s); 0 turns the age check off (and only 0: see `resolveTolerance`).
 */
export const DEFAULT_TOLERANCE_SECONDS = 3 * 24 * 60 * 60;

/** How far in the future a timestamp may be (clock skew between Prefinery and this server). */
export const MAX_FUTURE_SKEW_SECONDS = 5 * 60;

export interface ParsedSignatureHeader {
	/** The `t` value as a number (for the age check). */
	timestamp: number;
	/** The `t` value exactly as received: the HMAC is computed over these characters. */
	timestampText: string;
	v1: string[];
}

export type SignatureFailure =
	| 'missing_header'
	| 'malformed_header'
	| 'no_v1_signature'
	| 'mismatch'
	| 'timestamp_too_old'
	| 'timestamp_in_future'
	| 'no_secret';

export type SignatureCheck =
	| { valid: true; timestamp: number }
	| { valid: false; reason: SignatureFailure; message: string };

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * Parses the header value. Returns `undefined` when it has no usable `t`; `v1` lists only
 * well-formed `v1` values (other schemes and malformed values are ignored).
 */
export function parseSignatureHeader(header: string): ParsedSignatureHeader | undefined {
	let timestampText: string | undefined;
	const v1: string[] = [];
	for (const part of header.split(',')) {
		const eq = part.indexOf('=');
		if (eq < 0) continue;
		const key = part.slice(0, eq).trim();
		const value = part.slice(eq + 1).trim();
		if (key === 't') {
			if (!UNIX_SECONDS.test(value) || timestampText !== undefined) return undefined;
			timestampText = value;
		} else if (key === 'v1') {
			const hex = value.toLowerCase();
			if (HEX_SHA256.test(hex)) v1.push(hex);
		}
	}
	if (timestampText === undefined) return undefined;
	return { timestamp: Number(timestampText), timestampText, v1 };
}

/**
 * The `v1` value for this body, secret and timestamp (lowercase hex). `timestamp` is signed as its
 * text: pass the header's `t` exactly as received (e.g. `"01700000000"`), not a re-formatted number.
 */
export function computeSignature(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
	const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
	return createHmac('sha256', secret)
		.update(`${timestamp}.`, 'utf8')
		.update(body)
		.digest('hex');
}

/** A complete header value as Prefinery sends it. Used by the sample sender and the tests. */
export function signatureHeader(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
	return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

function constantTimeEqualHex(expected: string, candidate: string): boolean {
	const a = Buffer.from(expected, 'utf8');
	const b = Buffer.from(candidate, 'utf8');
	return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The age limit to enforce for a configured Signature Tolerance. Fails closed: anything that is not a
 * finite number ≥ 0 (negative, NaN, empty, text, an expression's null) means the default, never "off".
 * Only an explicit 0 turns the age check off.
 */
export function resolveTolerance(value: unknown): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : DEFAULT_TOLERANCE_SECONDS;
}

export interface VerifyOptions {
	secret: string;
	/** Raw request body bytes, exactly as received. */
	rawBody: Buffer;
	/** The `X-Prefinery-Signature` header value, if any. */
	header: string | undefined;
	/** Current time, Unix seconds. */
	now: number;
	/** Maximum signature age in seconds; 0 disables the age check; invalid values mean the default. */
	toleranceSeconds?: unknown;
}

function fail(reason: Exclude<SignatureFailure, 'timestamp_too_old' | 'timestamp_in_future'>): SignatureCheck {
	return { valid: false, reason, message: MESSAGES[reason] };
}

/** Verifies a delivery's signature. Never throws; failures carry a message a person can act on. */
export function verifySignature(options: VerifyOptions): SignatureCheck {
	const { secret, rawBody, header, now } = options;
	const tolerance = resolveTolerance(options.toleranceSeconds);
	if (!secret) return fail('no_secret');
	if (header === undefined || header.trim() === '') return fail('missing_header');
	const parsed = parseSignatureHeader(header);
	if (!parsed) return fail('malformed_header');
	if (parsed.v1.length === 0) return fail('no_v1_signature');
	const expected = computeSignature(secret, parsed.timestampText, rawBody);
	// Check every candidate (no early exit) so timing does not reveal which one matched.
	let matched = false;
	for (const candidate of parsed.v1) {
		if (constantTimeEqualHex(expected, candidate)) matched = true;
	}
	if (!matched) return fail('mismatch');
	if (parsed.timestamp > now + MAX_FUTURE_SKEW_SECONDS) {
		return {
			valid: false,
			reason: 'timestamp_in_future',
			message: timestampInFutureMessage(MAX_FUTURE_SKEW_SECONDS),
		};
	}
	if (tolerance > 0 && now - parsed.timestamp > tolerance) {
		return { valid: false, reason: 'timestamp_too_old', message: timestampTooOldMessage(tolerance) };
	}
	return { valid: true, timestamp: parsed.timestamp };
}
