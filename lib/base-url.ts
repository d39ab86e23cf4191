/**
 * The Prefinery API credential's "API Base URL": where the API key is sent (in the Authorization
 * header), so it is checked before any request. Pure module, no n8n imports.
 *
 * - https only, except on the loopback interface (127.0.0.0/8, `localhost`, `[::1]`), where plain
 *   http is allowed for a local test server (this repository's mock API is http on 127.0.0.1);
 * - no user name or password in the URL;
 * - messages show only the scheme and host, never a path, a query string or the API key.
 *
 * That the URL does not change between the items of one execution is checked by the transport (it
 * knows the execution), with `baseUrlChangedMessage`.
 */
import { PREFINERY_API_BASE_URL } from './api';

export type BaseUrlCheck =
	| { ok: true; url: string; origin: string }
	| { ok: false; message: string; description: string };

export const BASE_URL_FIELD = 'API Base URL';
/**
 * Where the credential's "Test" goes when its base URL is neither https nor plain http on this machine:
 * a name that never resolves (`.invalid`, RFC 2606) and reads as the fix in the error n8n shows.
 */
export const BASE_URL_REFUSED = 'https://api-base-url-must-be-https.invalid';
/**
 * The base URLs `checkBaseUrl` accepts, as one regular expression (case-insensitive) for the
 * credential's declarative "Test", which can hold an expression but no code: https without a user
 * name, or plain http on the loopback interface.
 */
export const ACCEPTED_BASE_URL_PATTERN = String.raw`^(https:\/\/[^\/@\s]+|http:\/\/(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d+)?)(\/[^@\s]*)?$`;
export const CREDENTIAL_DISPLAY_NAME = 'Prefinery API';

/** 127.0.0.0/8 (as the URL parser writes it), `localhost` or `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/\.$/, '');
	return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const FIX = `Set the ${BASE_URL_FIELD} of the ${CREDENTIAL_DISPLAY_NAME} credential to ${PREFINERY_API_BASE_URL} (or leave it empty for that), or to an https:// address of a test server; plain http:// only for a server on this machine (localhost, 127.0.0.1, [::1]).`;

/** Checks the credential's base URL (empty or missing: Prefinery's own). */
export function checkBaseUrl(value: unknown): BaseUrlCheck {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') return { ok: true, url: PREFINERY_API_BASE_URL, origin: new URL(PREFINERY_API_BASE_URL).origin };
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return {
			ok: false,
			message: `The ${BASE_URL_FIELD} of the ${CREDENTIAL_DISPLAY_NAME} credential is not a URL`,
			description: FIX,
		};
	}
	const origin = `${url.protocol}//${url.host}`;
	if (url.username !== '' || url.password !== '') {
		return {
			ok: false,
			message: `The ${BASE_URL_FIELD} of the ${CREDENTIAL_DISPLAY_NAME} credential must not contain a user name or password`,
			description: FIX,
		};
	}
	const secure = url.protocol === 'https:';
	const localHttp = url.protocol === 'http:' && isLoopbackHost(url.hostname);
	if (!secure && !localHttp) {
		return {
			ok: false,
			message: `The ${BASE_URL_FIELD} of the ${CREDENTIAL_DISPLAY_NAME} credential must use https (it is ${origin})`,
			description: `The API key would be sent unencrypted or over an unknown protocol, so nothing was sent. ${FIX}`,
		};
	}
	return { ok: true, url: text.replace(/\/+$/, ''), origin };
}

/** The error when one execution's items resolve the base URL to different addresses. */
export function baseUrlChangedMessage(firstOrigin: string, origin: string): { message: string; description: string } {
	const where = firstOrigin === origin ? 'a different path' : `${firstOrigin}, then ${origin}`;
	return {
		message: `The ${BASE_URL_FIELD} of the ${CREDENTIAL_DISPLAY_NAME} credential changed between items of this execution (${where})`,
		description: `The API key goes to the ${BASE_URL_FIELD}, so it must be one fixed address for the whole execution; nothing was sent for this item. Set the credential's ${BASE_URL_FIELD} to a plain URL, not an expression that depends on the item (such as {{ $json.… }}). ${FIX}`,
	};
}

/**
 * Where a redirect from the API pointed, for the error that refuses it: the scheme and host of its
 * `Location` (resolved against the request's URL), never its path or query string; control characters
 * cannot reach the message.
 */
export function redirectTarget(location: unknown, requestUrl: string): string {
	const text = Array.isArray(location) ? location[0] : location;
	if (typeof text !== 'string' || text.trim() === '') return 'no address (no Location header)';
	let url: URL;
	try {
		url = new URL(text.trim(), requestUrl);
	} catch {
		return 'an address that is not a URL';
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return `a ${url.protocol.replace(/[^a-z0-9+.-]/gi, '').slice(0, 20)} address`;
	const origin = `${url.protocol}//${url.host}`;
	let from = '';
	try {
		from = new URL(requestUrl).origin;
	} catch {
		from = '';
	}
	return origin === from ? `another path on ${origin}` : origin;
}
