import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The webhook signing secret of one Prefinery project, for the Prefinery Trigger. Prefinery offers
 * no endpoint that could check a secret, so the credential test (the trigger's `testedBy`) only
 * checks that what was pasted can be a secret; the real check is the signature of the next event.
 */
export class PrefineryWebhookApi implements ICredentialType {
	name = 'prefineryWebhookApi';

	displayName = 'Prefinery Webhook API';

	icon: Icon = { light: 'file:../icons/prefinery.svg', dark: 'file:../icons/prefinery.dark.svg' };

	// The README on npm: n8n appends ?utm_… to this link, which would break a #section anchor.
	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-prefinery';

	properties: INodeProperties[] = [
		{
			displayName: 'Webhook Signing Secret',
			name: 'webhookSigningSecret',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'From Prefinery: your project → Integrations → Webhooks → View secret. One secret per project: use one credential per project.',
		},
		{
			displayName:
				'Prefinery cannot check a secret on request: "Test" only checks that this looks like a secret. The signature of the first event Prefinery sends checks it for real (a wrong secret is answered 401 "mismatch").',
			name: 'checkNotice',
			type: 'notice',
			default: '',
		},
	];
}
