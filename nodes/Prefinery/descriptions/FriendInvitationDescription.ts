import type { INodeProperties } from 'n8n-workflow';
import { projectLocator } from './common';

export const friendInvitationOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['friendInvitation'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description:
					'Invite a person on behalf of an existing tester; Prefinery emails them an immediate invitation using your Invite-a-Friend template (POST /betas/{ID}/friend_invitations)',
				action: 'Create a friend invitation',
			},
		],
		default: 'create',
	},
];

const show = { resource: ['friendInvitation'], operation: ['create'] };

export const friendInvitationFields: INodeProperties[] = [
	projectLocator('friendInvitation'),
	{
		displayName: 'Sender Email',
		name: 'senderEmail',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description: 'Email address of the existing tester who sends the invitation (sender_email)',
		displayOptions: { show },
	},
	{
		displayName: 'Recipient Email',
		name: 'recipientEmail',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description: 'Email address of the person being invited (recipient_email)',
		displayOptions: { show },
	},
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		description: 'Optional personal message from the sender to the recipient',
		displayOptions: { show },
	},
];
