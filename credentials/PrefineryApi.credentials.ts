import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';
import { PREFINERY_API_BASE_URL } from '../lib/api';
import { ACCEPTED_BASE_URL_PATTERN, BASE_URL_REFUSED } from '../lib/base-url';

/**
 * Prefinery's REST API key (Prefinery Essentials plan or higher), for the Prefinery action node.
 * The Prefinery Trigger does not need it: it uses the separate "Prefinery Webhook" credential.
 * "Test" calls `GET /betas`, so a wrong key, a key without the Projects permission or an
 * unreachable API shows as a failed test.
 */
export class PrefineryApi implements ICredentialType {
	name = 'prefineryApi';

	displayName = 'Prefinery API';

	icon: Icon = { light: 'file:../icons/prefinery.svg', dark: 'file:../icons/prefinery.dark.svg' };

	// The README on npm: n8n appends ?utm_… to this link, which would break a #section anchor.
	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-prefinery';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'From Prefinery: Company Settings → API Keys (needs the Essentials plan or higher). Give it the permissions of the resources you use; "Test" needs Projects.',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: PREFINERY_API_BASE_URL,
			description:
				'Prefinery REST API v2 base URL, where the API key is sent. Leave as is; change only to point at a test server. Must be https (plain http only for localhost, 127.0.0.1 or [::1]) and one fixed address: an expression that gives different addresses for different items is refused.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// The test sends the key as the nodes do: only to an https base URL (or plain http on this machine),
	// never after a redirect, and it gives up after 15 s. Any other base URL is swapped for an address
	// that cannot resolve, whose name says what to fix, so the key goes nowhere.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ /${ACCEPTED_BASE_URL_PATTERN}/i.test(($credentials.baseUrl || "").trim() || "${PREFINERY_API_BASE_URL}") ? (($credentials.baseUrl || "").trim() || "${PREFINERY_API_BASE_URL}") : "${BASE_URL_REFUSED}" }}`,
			url: '/betas',
			method: 'GET',
			headers: { Accept: 'application/json' },
			disableFollowRedirect: true,
			timeout: 15_000,
		},
	};
}
