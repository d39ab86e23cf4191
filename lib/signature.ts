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

export const SIGNATURE_HEADER = 'x-prefinery-signature';

/**
 * Default maximum age of a signature's timestamp, in seconds: 3 days.
 *
 * Why so wide: Prefinery never retries a delivery that was rejected, so a window narrower than
 * Prefinery's own retry schedule would turn every late retry into a lost event if retries keep
 * their original `t` (Prefinery does not say whether it re-signs them). Retries run up to
 * 15 attempts, the N-th about `5 s + N^4` after the previous one: about 2.1 days in all. Three days
 * covers that plus clock skew. Replays of a captured request inside the window are dropped by the
 * duplicate filter while the process remembers the event id (not across restarts or processes).
 * Users who know their deliveries are re-signed can
 * tighten it (e.g. 300 s); 0 turns the age check off.
 */
export const DEFAULT_TOLERANCE_SECONDS = 3 * 24 * 60 * 60;

/** How far in the future a timestamp may be (clock skew between Prefinery and this server). */
export const MAX_FUTURE_SKEW_SECONDS = 5 * 60;

export interface ParsedSignatureHeader {
	timestamp: number;
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
	let timestamp: number | undefined;
	const v1: string[] = [];
	for (const part of header.split(',')) {
		const eq = part.indexOf('=');
		if (eq < 0) continue;
		const key = part.slice(0, eq).trim();
		const value = part.slice(eq + 1).trim();
		if (key === 't') {
			if (!UNIX_SECONDS.test(value) || timestamp !== undefined) return undefined;
			timestamp = Number(value);
		} else if (key === 'v1') {
			const hex = value.toLowerCase();
			if (HEX_SHA256.test(hex)) v1.push(hex);
		}
	}
	if (timestamp === undefined) return undefined;
	return { timestamp, v1 };
}

/** The `v1` value Prefinery would send for this body, secret and timestamp (lowercase hex). */
export function computeSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
	const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
	return createHmac('sha256', secret)
		.update(`${timestamp}.`, 'utf8')
		.update(body)
		.digest('hex');
}

/** A complete header value as Prefinery sends it. Used by the sample sender and the tests. */
export function signatureHeader(secret: string, timestamp: number, rawBody: Buffer | string): string {
	return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

function constantTimeEqualHex(expected: string, candidate: string): boolean {
	const a = Buffer.from(expected, 'utf8');
	const b = Buffer.from(candidate, 'utf8');
	return a.length === b.length && timingSafeEqual(a, b);
}

export interface VerifyOptions {
	secret: string;
	/** Raw request body bytes, exactly as received. */
	rawBody: Buffer;
	/** The `X-Prefinery-Signature` header value, if any. */
	header: string | undefined;
	/** Current time, Unix seconds. */
	now: number;
	/** Maximum signature age in seconds; 0 disables the age check. */
	toleranceSeconds?: number;
}

/** Verifies a delivery's signature. Never throws; failures carry a message a person can act on. */
export function verifySignature(options: VerifyOptions): SignatureCheck {
	const { secret, rawBody, header, now } = options;
	const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
	if (!secret) {
		return {
			valid: false,
			reason: 'no_secret',
			message:
				'The Prefinery credential has no webhook signing secret. Copy it from Prefinery (Integrations → Webhooks → View secret) into the credential, or turn off "Verify Signature".',
		};
	}
	if (header === undefined || header.trim() === '') {
		return {
			valid: false,
			reason: 'missing_header',
			message:
				'Missing X-Prefinery-Signature header. Only signed requests from Prefinery are accepted; send test events with `npm run send-sample` or turn off "Verify Signature".',
		};
	}
	const parsed = parseSignatureHeader(header);
	if (!parsed) {
		return {
			valid: false,
			reason: 'malformed_header',
			message:
				'Malformed X-Prefinery-Signature header: expected "t=<unix seconds>,v1=<hex HMAC-SHA256>".',
		};
	}
	if (parsed.v1.length === 0) {
		return {
			valid: false,
			reason: 'no_v1_signature',
			message: 'X-Prefinery-Signature has no v1 signature; only the v1 scheme is accepted.',
		};
	}
	const expected = computeSignature(secret, parsed.timestamp, rawBody);
	// Check every candidate (no early exit) so timing does not reveal which one matched.
	let matched = false;
	for (const candidate of parsed.v1) {
		if (constantTimeEqualHex(expected, candidate)) matched = true;
	}
	if (!matched) {
		return {
			valid: false,
			reason: 'mismatch',
			message:
				"Signature does not match. Check that the credential's webhook signing secret is the one of this Prefinery project (it changes when rotated), and that nothing between Prefinery and n8n rewrites the body.",
		};
	}
	if (parsed.timestamp > now + MAX_FUTURE_SKEW_SECONDS) {
		return {
			valid: false,
			reason: 'timestamp_in_future',
			message: `Signature timestamp is more than ${MAX_FUTURE_SKEW_SECONDS} s in the future. Check this server's clock.`,
		};
	}
	if (tolerance > 0 && now - parsed.timestamp > tolerance) {
		return {
			valid: false,
			reason: 'timestamp_too_old',
			message: `Signature timestamp is older than the tolerance of ${tolerance} s ("Signature Tolerance" option). If Prefinery retries late deliveries, widen it.`,
		};
	}
	return { valid: true, timestamp: parsed.timestamp };
}

export interface SecretCheck {
	ok: boolean;
	message: string;
}

/**
 * What can be checked of a signing secret without Prefinery (which has no endpoint for it): that
 * something was pasted, and that it is not obviously something else. Surrounding white space is
 * fine (the trigger trims it). The real check is the signature of the next delivery.
 */
export function checkSigningSecret(value: unknown): SecretCheck {
	const secret = typeof value === 'string' ? value.trim() : '';
	const fix = 'Paste the secret from Prefinery: your project → Integrations → Webhooks → View secret.';
	if (!secret) return { ok: false, message: `No webhook signing secret. ${fix}` };
	if (/\s/.test(secret)) {
		return { ok: false, message: `The secret contains spaces or line breaks, so it cannot be the signing secret. ${fix}` };
	}
	if (/^https?:\/\//i.test(secret)) {
		return { ok: false, message: `This is a URL, not the signing secret. ${fix}` };
	}
	if (/(^|,)t=\d+/.test(secret) || /(^|,)v1=[0-9a-f]+/i.test(secret)) {
		return { ok: false, message: `This is a signature header (t=…,v1=…), not the signing secret. ${fix}` };
	}
	return {
		ok: true,
		message:
			'Saved. Prefinery offers no way to check a secret on request: the signature of the next event it sends checks it (a wrong secret is answered 401 "mismatch").',
	};
}
