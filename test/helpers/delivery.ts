/** Builders for handleDelivery tests. */
import type { DeliveryRequest, DeliverySettings } from '../../lib/delivery';
import { bytes, NOW, signedHeader } from './signing';

export const SECRET = 'whsec_dummy_S3cr3t-value-never-echoed';

export function settings(overrides: Partial<DeliverySettings> = {}): DeliverySettings {
	return {
		events: ['*'],
		verifySignature: true,
		secret: SECRET,
		toleranceSeconds: 300,
		project: { kind: 'any' },
		// The strict policy: this file tests each reason's own 4xx; the default (429) is tested in 'fixable failures'.
		fixable: 'reject',
		output: 'typed',
		includeHeaders: false,
		memory: null,
		allowUnsigned: false,
		...overrides,
	};
}

/** A request whose body is `body` (serialised when not a string/Buffer), signed with `secret`. */
export function signedRequest(
	body: unknown,
	options: { secret?: string; timestamp?: number; headers?: Record<string, string> } = {},
): DeliveryRequest {
	const rawBody = Buffer.isBuffer(body) ? body : bytes(body);
	const timestamp = options.timestamp ?? NOW - 5;
	return {
		rawBody,
		headers: {
			'content-type': 'application/json',
			'x-prefinery-signature': signedHeader(options.secret ?? SECRET, timestamp, rawBody),
			...options.headers,
		},
		now: NOW,
	};
}

export function unsignedRequest(body: unknown, headers: Record<string, string> = {}): DeliveryRequest {
	const rawBody = Buffer.isBuffer(body) ? body : bytes(body);
	return { rawBody, headers: { 'content-type': 'application/json', ...headers }, now: NOW };
}

export function envelope(
	type = 'tester_created',
	id: number | string = 101,
	data: Record<string, unknown> = { id: 1, project_id: 4242, email: 'a@example.com' },
): Record<string, unknown> {
	return { id, type, data, created_at: NOW - 10 };
}
