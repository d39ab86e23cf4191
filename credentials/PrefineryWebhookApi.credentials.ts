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
				'Prefinery has no way to check a secret on request, so n8n\'s credential test (on Save, and Retry) only checks that this looks like a secret. The first signed event checks it for real: with a wrong secret the trigger answers 429 "mismatch", so Prefinery keeps retrying for about two days, and the reason shows on the trigger\'s Rejected output and in n8n\'s log. Fix the secret here and the retries get through.',
			name: 'checkNotice',
			type: 'notice',
			default: '',
		},
	];
}
