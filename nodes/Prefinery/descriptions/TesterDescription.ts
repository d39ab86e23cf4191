import type { INodeProperties } from 'n8n-workflow';
import { PROFILE_FIELDS, type ProfileField } from '../../../lib/fields';
import { projectLocator, returnAllAndLimit, UNVERIFIED } from './common';

/**
 * The tester operations, twice: version 1 of the node defaults to Create (a write); from 1.1 the
 * default is Get Many, a read, so a new node (and the "Prefinery Tool" an AI agent gets, which takes
 * the node's defaults) starts without writing. Workflows saved with version 1 keep Create.
 * The versions are plain numbers, not `_cnd` conditions: n8n's node creator lists a resource's actions
 * only from an operation property whose `@version` names one of the node's versions as a number (a
 * new node version must be added to the first list).
 *
 * Order: n8n's node creator (editor-ui useActionsGeneration `resourceCategories`, then
 * `injectActionsLabels`, which sorts nodes but keeps actions in place) lists the actions resource by
 * resource in the order of the Resource options, each resource's in the order of its Operation
 * options; Enter picks the first. So every resource lists its default operation first, then its other
 * reads, then its writes (each group alphabetical), and Tester, the default resource, comes first:
 * the first action in the picker is "Get many testers", the same node a bare new node is.
 */
const testerOperationOptions: INodeProperties['options'] = [
	{
		name: 'Get Many',
		value: 'getAll',
		description:
			'List or search testers (GET /betas/{ID}/testers). Rate limit: 60 requests per minute per project, 180 per company.',
		action: 'Get many testers',
	},
	{
		name: 'Get',
		value: 'get',
		description: 'Get a tester by ID (GET /betas/{ID}/testers/{tester ID})',
		action: 'Get a tester',
	},
	{
		name: 'Verify Invitation Code',
		value: 'verify',
		description: `Check a tester's invitation code ${UNVERIFIED}: GET /betas/{ID}/testers/{tester ID}/verify`,
		action: 'Verify the invitation code of a tester',
	},
	{
		name: 'Check In',
		value: 'checkIn',
		description:
			'Check a tester in by email address: Prefinery sets their status to active and records the visit (POST /betas/{ID}/checkins)',
		action: 'Check in a tester',
	},
	{
		name: 'Create',
		value: 'create',
		description: 'Add a tester (user) to the project (POST /betas/{ID}/testers)',
		action: 'Create a tester',
	},
	{
		name: 'Delete',
		value: 'delete',
		description: 'Delete a tester (DELETE /betas/{ID}/testers/{tester ID})',
		action: 'Delete a tester',
	},
	{
		name: 'Update',
		value: 'update',
		description: `Change a tester's email, status (e.g. invite or reject), profile or answers ${UNVERIFIED}: PUT /betas/{ID}/testers/{tester ID}`,
		action: 'Update a tester',
	},
];

export const testerOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['tester'], '@version': [1.2, 1.1] } },
		options: testerOperationOptions,
		default: 'getAll',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['tester'], '@version': [1] } },
		options: testerOperationOptions,
		default: 'create',
	},
];

const PROFILE_LABELS: Record<ProfileField, string> = {
	first_name: 'First Name',
	last_name: 'Last Name',
	gender: 'Gender',
	age: 'Age',
	employer: 'Employer',
	jobtitle: 'Job Title',
	telephone: 'Telephone',
	ip: 'IP Address',
	address_line1: 'Address Line 1',
	address_line2: 'Address Line 2',
	city: 'City',
	state: 'State',
	postal_code: 'Postal Code',
	country: 'Country',
	facebook_username: 'Facebook Username',
	linkedin_username: 'LinkedIn Username',
	twitter_username: 'Twitter Username',
	http_referrer: 'HTTP Referrer',
	utm_source: 'UTM Source',
	utm_medium: 'UTM Medium',
	utm_campaign: 'UTM Campaign',
	utm_term: 'UTM Term',
	utm_content: 'UTM Content',
	custom_var1: 'Custom Variable 1',
	custom_var2: 'Custom Variable 2',
	custom_var3: 'Custom Variable 3',
};

/** Prefinery's profile fields, each under its own API name (`profile.first_name`, `profile.utm_source`, …). */
const profileOptions: INodeProperties[] = PROFILE_FIELDS.map(
	(field): INodeProperties => ({
		displayName: PROFILE_LABELS[field],
		name: field,
		type: 'string',
		default: '',
		description: `Prefinery profile field "${field}"`,
	}),
).sort((a, b) => a.displayName.localeCompare(b.displayName));

function profileCollection(operation: string): INodeProperties {
	return {
		displayName: 'Profile',
		name: 'profile',
		type: 'collection',
		placeholder: 'Add Profile Field',
		default: {},
		description:
			'The tester\'s profile: name, contact details, UTM parameters and your three custom variables. Empty fields are not sent.',
		displayOptions: { show: { resource: ['tester'], operation: [operation] } },
		options: profileOptions,
	};
}

const responsesOption: INodeProperties = {
	displayName: 'Responses',
	name: 'responses',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Response',
	default: {},
	description: 'Answers to your signup (application) form questions',
	options: [
		{
			displayName: 'Response',
			name: 'response',
			values: [
				{
					displayName: 'Question ID',
					name: 'question_id',
					type: 'string',
					default: '',
					description: 'ID of the signup form question',
				},
				{
					displayName: 'Answer',
					name: 'answer',
					type: 'string',
					default: '',
				},
			],
		},
	],
};

const referredByOption: INodeProperties = {
	displayName: 'Referred By',
	name: 'referred_by',
	type: 'string',
	default: '',
	description:
		'The referring tester: their email address, referral code or ID (what Prefinery accepts here is not documented)',
};

const show = (operation: string) => ({ show: { resource: ['tester'], operation: [operation] } });

export const testerFields: INodeProperties[] = [
	projectLocator('tester'),

	// ---- create ----
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description: 'Email address of the new tester',
		displayOptions: show('create'),
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show('create'),
		options: [
			referredByOption,
			responsesOption,
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				default: 'applied',
				description: 'Status of the new tester (Prefinery\'s default is imported)',
				options: [
					{
						name: 'Active',
						value: 'active',
						description: 'Add the tester as actively participating (e.g. they created an account)',
					},
					{
						name: 'Applied',
						value: 'applied',
						description: 'Add the tester to the waitlist',
					},
					{
						name: 'Imported',
						value: 'imported',
						description: 'Just add the tester',
					},
					{
						name: 'Invited',
						value: 'invited',
						description: 'Add the tester and send them an invitation email with a unique code',
					},
				],
			},
		],
	},
	profileCollection('create'),

	// ---- get, update, delete, verify ----
	{
		displayName: 'Tester ID',
		name: 'testerId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 1001',
		description: 'ID of the tester (the "ID" field of Get Many or of a Prefinery Trigger event)',
		displayOptions: { show: { resource: ['tester'], operation: ['get', 'update', 'delete', 'verify'] } },
	},

	// ---- update ----
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show('update'),
		options: [
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'New email address of the tester',
			},
			referredByOption,
			responsesOption,
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				default: 'invited',
				description:
					'New status. Invited and rejected make Prefinery email the tester (invitation or rejection email).',
				options: [
					{
						name: 'Active',
						value: 'active',
						description: 'Mark the tester as actively participating',
					},
					{
						name: 'Applied',
						value: 'applied',
						description: 'Put the tester (back) on the waitlist',
					},
					{
						name: 'Idle',
						value: 'idle',
						description: 'Mark the tester as idle',
					},
					{
						name: 'Imported',
						value: 'imported',
						description: 'Imported, not yet on the waitlist',
					},
					{
						name: 'Invited',
						value: 'invited',
						description: 'Invite the tester: Prefinery generates an invitation code and emails it',
					},
					{
						name: 'Rejected',
						value: 'rejected',
						description: 'Reject the tester: Prefinery sends the rejection email',
					},
					{
						name: 'Suspended',
						value: 'suspended',
						description: 'Suspend the tester',
					},
				],
			},
		],
	},
	profileCollection('update'),

	// ---- verify ----
	{
		displayName: 'Invitation Code',
		name: 'invitationCode',
		type: 'string',
		required: true,
		default: '',
		description: 'The invitation code to check for this tester (invitation_code)',
		displayOptions: show('verify'),
	},

	// ---- check in ----
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description: 'Email address of the tester to check in',
		displayOptions: show('checkIn'),
	},

	// ---- get many ----
	...returnAllAndLimit('tester'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: show('getAll'),
		options: [
			{
				displayName: 'Custom Variable',
				name: 'custom_vars',
				type: 'string',
				default: '',
				description: 'Exact match on any of custom_var1, custom_var2 or custom_var3 (custom_vars)',
			},
			{
				displayName: 'Email Contains',
				name: 'email_contains',
				type: 'string',
				default: '',
				placeholder: 'e.g. @gmail.com',
				description: 'Part of the email address (email_contains)',
			},
			{
				displayName: 'Email Is',
				name: 'email_is',
				type: 'string',
				default: '',
				placeholder: 'name@email.com',
				description: 'Exact email address (email_is)',
			},
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				description: 'Matches first_name and/or last_name (name)',
			},
			{
				displayName: 'Referral Code',
				name: 'referral_code',
				type: 'string',
				default: '',
				description: 'Exact referral code (referral_code)',
			},
		],
	},
];
