import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export const PREFINERY_API_BASE_URL = 'https://api.prefinery.com/api/v2';

/**
 * One credential for both Prefinery nodes. The trigger needs only the webhook signing secret; the
 * API key (Prefinery Essentials plan or higher) is optional and unlocks the project dropdown and
 * the Prefinery action node. The credential test is the trigger's `testedBy` method, so it can say
 * something true whether or not an API key is set.
 */
export class PrefineryApi implements ICredentialType {
	name = 'prefineryApi';

	displayName = 'Prefinery API';

	icon: Icon = { light: 'file:../icons/prefinery.svg', dark: 'file:../icons/prefinery.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-prefinery/n8n-nodes-prefinery#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Webhook Signing Secret',
			name: 'webhookSigningSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The project\'s webhook signing secret, from Prefinery: your project → Integrations → Webhooks → View secret. The Prefinery Trigger uses it to verify that each event really comes from Prefinery.',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Optional. From Prefinery: Company Settings → API Keys (needs the Essentials plan or higher). Enables the project list in the trigger and the Prefinery action node. The trigger works without it.',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: PREFINERY_API_BASE_URL,
			description:
				'Prefinery REST API v2 base URL. Leave as is; change only to point at a test server.',
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
}
