/**
 * What can be checked of a pasted webhook signing secret without Prefinery (which has no endpoint
 * for it): the credential test of the Prefinery Webhook credential. Pure module: no n8n imports.
 */

export interface SecretCheck {
	ok: boolean;
	message: string;
}

/**
 * That something was pasted, and that it is not obviously something else. Surrounding white space is
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
			'Saved. Prefinery offers no way to check a secret on request: the signature of the next event it sends checks it (a wrong secret is answered 429 "mismatch", so Prefinery retries it while you fix the secret).',
	};
}
