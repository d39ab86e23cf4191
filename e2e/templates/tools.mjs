// The tools the templates (examples/templates/) send to, as their APIs document them, for
// e2e/templates.e2e.test.mjs: what each template's node must send, and a simulator of the tool's API
// that answers the way the tool does and keeps its contacts by email, so a second contact for one
// email (a create where an upsert was needed) shows.
import assert from 'node:assert/strict';

const AC_HOST = 'prefinery-tests.api-us1.com';

/** The tool's contacts by email (lower case), kept per host. */
function store(stores, host) {
	if (!stores.has(host)) stores.set(host, new Map());
	return stores.get(host);
}

/** Merges `fields` into the contact with `email`; says whether it was new. */
function upsert(stores, host, email, fields) {
	const contacts = store(stores, host);
	const key = String(email).toLowerCase();
	const isNew = !contacts.has(key);
	const contact = { id: isNew ? contacts.size + 1 : contacts.get(key).id, ...(contacts.get(key) ?? {}), ...fields, email };
	contacts.set(key, contact);
	return { contact, isNew };
}

const problem = (status, body) => ({ status, body });
/**
 * An address the tools' APIs take: one @, no space, and a local part of dot-separated labels (no empty
 * label: `first..last@`, `.first@`, `first.@` are refused by HubSpot, Brevo, ActiveCampaign, Airtable's
 * Email field and MailerLite alike, while Prefinery's sign-up form takes them).
 */
export const toolTakesEmail = (email) => /^[^@\s]+@[^@\s]+$/.test(String(email)) && !/^\.|\.\.|\.@/.test(String(email));

/** The tools' answers, as each API documents them; 401 without the dummy credential. */
export function simulate(stores, request) {
	const tool = TOOLS.find((candidate) => candidate.hosts.includes(request.host));
	if (!tool) return problem(404, { message: `no simulator for ${request.host}` });
	if (!tool.authorized(request)) return problem(401, { message: 'Authentication credentials not found' });
	return tool.answer(stores, request);
}

const isFilled = (value) => value !== undefined && value !== null;

/** Every mapped field of a tester, as the templates map it (position as a string; empty when null). */
function testerFields(tester) {
	return {
		email: tester.email,
		firstName: tester.profile.first_name,
		lastName: tester.profile.last_name,
		status: tester.status,
		referralLink: tester.share_link,
		position: isFilled(tester.waitlist_position) ? String(tester.waitlist_position) : '',
	};
}

const TOOL_LIST = [
	{
		name: 'HubSpot',
		// The tool's error output: a contact it refuses fails the execution here, the batch's others go on.
		refusedNode: 'Fail: HubSpot refused the contact',
		upsertNode: 'Create or update HubSpot contact',
		file: 'prefinery-to-hubspot.json',
		hosts: ['api.hubapi.com'],
		testerIndex: 0,
		credential: { type: 'hubspotAppToken', data: { appToken: 'pat-na1-templates-test' } },
		auth: ['authorization', 'Bearer pat-na1-templates-test'],
		// n8n's HubSpot node (2.x, contact upsert) puts the email into the URL path unencoded, so the
		// template checks it first: anything but a plain address fails the execution at these nodes.
		emailInPath: true,
		route: (email) => `POST /contacts/v1/contact/createOrUpdate/email/${email}`,
		emailOf: (request) => decodeURIComponent(request.path.replace(/^\/contacts\/v1\/contact\/createOrUpdate\/email\//, '')),
		failNode: 'Fail: email not sent to HubSpot',
		rewardFailNode: "Fail: rewarded tester's email not sent to HubSpot",
		// POST /contacts/v1/contact/createOrUpdate/email/{email}: 200 {vid, isNew} (HubSpot's contacts v1).
		answer(stores, request) {
			const match = /^\/contacts\/v1\/contact\/createOrUpdate\/email\/(.+)$/.exec(request.path);
			if (request.method !== 'POST' || !match) return problem(404, { status: 'error', message: `${request.method} ${request.path} is not simulated` });
			const email = decodeURIComponent(match[1]);
			if (!toolTakesEmail(email)) {
				return problem(400, { status: 'error', message: 'Property values were not valid', validationResults: [{ isValid: false, message: `Email address ${email} is invalid`, error: 'INVALID_EMAIL', name: 'email' }] });
			}
			const properties = Object.fromEntries((request.body.properties ?? []).map(({ property, value }) => [property, value]));
			const { contact, isNew } = upsert(stores, request.host, email, properties);
			return { status: 200, body: { vid: contact.id, isNew } };
		},
		statusField: 'prefinery_status',
		rewardField: 'prefinery_last_reward',
		expectUpsert(request, tester) {
			const f = testerFields(tester);
			assert.equal(request.method, 'POST');
			assert.equal(decodeURIComponent(request.path), `/contacts/v1/contact/createOrUpdate/email/${f.email}`);
			assert.deepEqual(request.body, {
				properties: [
					{ property: 'firstname', value: f.firstName },
					{ property: 'lastname', value: f.lastName },
					{ property: 'prefinery_status', value: f.status },
					{ property: 'prefinery_referral_link', value: f.referralLink },
					{ property: 'prefinery_waitlist_position', value: f.position },
				],
			});
		},
		expectReward(request, email, reward) {
			assert.equal(request.method, 'POST');
			assert.equal(decodeURIComponent(request.path), `/contacts/v1/contact/createOrUpdate/email/${email}`);
			assert.deepEqual(request.body, { properties: [{ property: 'prefinery_last_reward', value: reward }] });
		},
	},
	{
		name: 'Brevo',
		// The tool's error output: a contact it refuses fails the execution here, the batch's others go on.
		refusedNode: 'Fail: Brevo refused the contact',
		// n8n's Brevo node (declarative) keeps no item pairing: in a batch the failure cannot name its tester.
		namesRefusedInBatch: false,
		upsertNode: 'Create or update Brevo contact',
		file: 'prefinery-to-brevo.json',
		hosts: ['api.brevo.com'],
		testerIndex: 1,
		credential: { type: 'sendInBlueApi', data: { apiKey: 'xkeysib-templates-test' } },
		auth: ['api-key', 'xkeysib-templates-test'],
		route: () => 'POST /v3/contacts',
		emailOf: (request) => request.body?.email,
		// POST /v3/contacts: 201 {id} for a new contact; with updateEnabled, 204 for an existing one;
		// without, 400 duplicate_parameter (Brevo's API reference, "Create a contact").
		answer(stores, request) {
			if (request.method !== 'POST' || request.path !== '/v3/contacts') return problem(404, { code: 'not_found', message: `${request.method} ${request.path} is not simulated` });
			const { email, attributes = {}, updateEnabled } = request.body;
			if (!toolTakesEmail(email)) return problem(400, { code: 'invalid_parameter', message: 'Invalid email address' });
			const exists = store(stores, request.host).has(String(email).toLowerCase());
			if (exists && !updateEnabled) return problem(400, { code: 'duplicate_parameter', message: 'Contact already exist' });
			const { contact, isNew } = upsert(stores, request.host, email, attributes);
			return isNew ? { status: 201, body: { id: contact.id } } : { status: 204 };
		},
		statusField: 'PREFINERY_STATUS',
		rewardField: 'PREFINERY_LAST_REWARD',
		expectUpsert(request, tester) {
			const f = testerFields(tester);
			assert.equal(`${request.method} ${request.path}`, 'POST /v3/contacts');
			assert.deepEqual(request.body, {
				email: f.email,
				attributes: { FIRSTNAME: f.firstName, LASTNAME: f.lastName, PREFINERY_STATUS: f.status, PREFINERY_REFERRAL_LINK: f.referralLink, PREFINERY_POSITION: f.position },
				updateEnabled: true,
			});
		},
		expectReward(request, email, reward) {
			assert.equal(`${request.method} ${request.path}`, 'POST /v3/contacts');
			assert.deepEqual(request.body, { email, attributes: { PREFINERY_LAST_REWARD: reward }, updateEnabled: true });
		},
	},
	{
		name: 'ActiveCampaign',
		// The tool's error output: a contact it refuses fails the execution here, the batch's others go on.
		refusedNode: 'Fail: ActiveCampaign refused the contact',
		upsertNode: 'Create or update ActiveCampaign contact',
		file: 'prefinery-to-activecampaign.json',
		hosts: [AC_HOST],
		testerIndex: 2,
		credential: { type: 'activeCampaignApi', data: { apiUrl: `https://${AC_HOST}`, apiKey: 'ac-templates-test' } },
		auth: ['api-token', 'ac-templates-test'],
		route: () => 'POST /api/3/contact/sync',
		emailOf: (request) => request.body?.contact?.email,
		// POST /api/3/contact/sync: creates or updates by email, 201 or 200 {contact, fieldValues};
		// POST /api/3/contacts: 422 duplicate for an existing email (ActiveCampaign API v3).
		answer(stores, request) {
			const { contact: input = {} } = request.body ?? {};
			if (request.method === 'POST' && request.path === '/api/3/contacts' && store(stores, request.host).has(String(input.email).toLowerCase())) {
				return problem(422, { errors: [{ title: 'Email address already exists in the system.', code: 'duplicate', source: { pointer: '/data/attributes/email' } }] });
			}
			if (request.method !== 'POST' || !['/api/3/contact/sync', '/api/3/contacts'].includes(request.path)) return problem(404, { message: 'No Result found' });
			if (!toolTakesEmail(input.email)) return problem(422, { errors: [{ title: 'Email address is not valid.', code: 'email_invalid' }] });
			const { fieldValues = [], email, ...rest } = input;
			const fields = { ...rest, ...Object.fromEntries(fieldValues.map(({ field, value }) => [`field:${field}`, value])) };
			const { contact, isNew } = upsert(stores, request.host, email, fields);
			return { status: isNew ? 201 : 200, body: { fieldValues, contact: { email, id: String(contact.id), cdate: '2026-03-01T09:00:00-06:00', udate: '2026-03-01T09:00:00-06:00' } } };
		},
		statusField: 'field:1',
		rewardField: 'field:4',
		expectUpsert(request, tester) {
			const f = testerFields(tester);
			assert.equal(`${request.method} ${request.path}`, 'POST /api/3/contact/sync');
			assert.deepEqual(request.body, {
				contact: {
					email: f.email,
					firstName: f.firstName,
					lastName: f.lastName,
					fieldValues: [
						{ field: '1', value: f.status },
						{ field: '2', value: f.referralLink },
						{ field: '3', value: f.position },
					],
				},
			});
		},
		expectReward(request, email, reward) {
			assert.equal(`${request.method} ${request.path}`, 'POST /api/3/contact/sync');
			assert.deepEqual(request.body, { contact: { email, fieldValues: [{ field: '4', value: reward }] } });
		},
	},
	{
		name: 'Airtable',
		// The tool's error output: a contact it refuses fails the execution here, the batch's others go on.
		refusedNode: 'Fail: Airtable refused the row',
		upsertNode: 'Create or update Airtable row',
		file: 'prefinery-to-airtable.json',
		hosts: ['api.airtable.com'],
		testerIndex: 3,
		credential: { type: 'airtableTokenApi', data: { accessToken: 'patTemplatesTest.0123' } },
		auth: ['authorization', 'Bearer patTemplatesTest.0123'],
		route: () => 'PATCH /v0/appREPLACEwithYOURbaseID/tblREPLACEwithYOURtableID',
		emailOf: (request) => request.body?.records?.[0]?.fields?.Email,
		// PATCH /v0/{base}/{table} with performUpsert.fieldsToMergeOn: each record updates the row whose
		// merge fields match, or creates one; 200 {records, createdRecords, updatedRecords} (Airtable Web
		// API, "Update multiple records"). POST /v0/{base}/{table} always creates.
		answer(stores, request) {
			const match = /^\/v0\/([^/]+)\/([^/]+)$/.exec(request.path);
			if (!match || !['PATCH', 'POST'].includes(request.method)) return problem(404, { error: 'NOT_FOUND' });
			const mergeOn = request.body.performUpsert?.fieldsToMergeOn;
			const records = [];
			const createdRecords = [];
			const updatedRecords = [];
			for (const { fields } of request.body.records ?? []) {
				if (request.method === 'PATCH' && !(mergeOn?.length === 1 && mergeOn[0] === 'Email')) {
					return problem(422, { error: { type: 'INVALID_REQUEST_UNKNOWN', message: 'the simulator merges on Email only' } });
				}
				const key = fields.Email;
				// Email is an Email field (the template's note says so): Airtable refuses what is not an address.
				if (!toolTakesEmail(key)) return problem(422, { error: { type: 'INVALID_VALUE_FOR_COLUMN', message: 'Field "Email" cannot accept the provided value' } });
				const exists = request.method === 'PATCH' && store(stores, request.host).has(String(key).toLowerCase());
				const { contact } = request.method === 'PATCH' ? upsert(stores, request.host, key, fields) : { contact: { id: `dup-${Date.now()}`, ...fields } };
				if (request.method === 'POST') store(stores, request.host).set(`${key}#${contact.id}`, contact);
				const id = `rec${String(contact.id).padStart(14, '0')}`;
				records.push({ id, createdTime: '2026-03-01T09:00:00.000Z', fields: { ...contact } });
				(exists ? updatedRecords : createdRecords).push(id);
			}
			return { status: 200, body: { records, createdRecords, updatedRecords } };
		},
		statusField: 'Status',
		rewardField: 'Last Reward',
		expectUpsert(request, tester) {
			const f = testerFields(tester);
			assert.equal(`${request.method} ${request.path}`, 'PATCH /v0/appREPLACEwithYOURbaseID/tblREPLACEwithYOURtableID');
			assert.deepEqual(request.body.performUpsert, { fieldsToMergeOn: ['Email'] });
			assert.deepEqual(request.body.records, [
				{ fields: { Email: f.email, 'First Name': f.firstName, 'Last Name': f.lastName, Status: f.status, 'Referral Link': f.referralLink, 'Waitlist Position': f.position } },
			]);
		},
		expectReward(request, email, reward) {
			assert.equal(`${request.method} ${request.path}`, 'PATCH /v0/appREPLACEwithYOURbaseID/tblREPLACEwithYOURtableID');
			assert.deepEqual(request.body.performUpsert, { fieldsToMergeOn: ['Email'] });
			assert.deepEqual(request.body.records, [{ fields: { Email: email, 'Last Reward': reward } }]);
		},
	},
	{
		name: 'MailerLite',
		// The tool's error output: a contact it refuses fails the execution here, the batch's others go on.
		refusedNode: 'Fail: MailerLite refused the subscriber',
		upsertNode: 'Create or update MailerLite subscriber',
		file: 'prefinery-to-mailerlite.json',
		hosts: ['connect.mailerlite.com'],
		testerIndex: 4,
		credential: { type: 'mailerLiteApi', data: { apiKey: 'mlite-templates-test', classicApi: false } },
		auth: ['authorization', 'Bearer mlite-templates-test'],
		route: () => 'POST /api/subscribers',
		emailOf: (request) => request.body?.email,
		// POST /api/subscribers creates, or updates an existing email (non-destructive: fields not sent
		// stay): 201 new, 200 updated, {data: subscriber} (MailerLite API, "Create/upsert subscriber").
		answer(stores, request) {
			if (request.method !== 'POST' || request.path !== '/api/subscribers') return problem(404, { message: 'Resource not found.' });
			const { email, fields = {} } = request.body;
			if (!toolTakesEmail(email)) return problem(422, { message: 'The email must be a valid email address.', errors: { email: ['The email must be a valid email address.'] } });
			const { contact, isNew } = upsert(stores, request.host, email, fields);
			return { status: isNew ? 201 : 200, body: { data: { id: String(contact.id), email, status: 'active', fields: contact } } };
		},
		statusField: 'prefinery_status',
		rewardField: 'prefinery_last_reward',
		expectUpsert(request, tester) {
			const f = testerFields(tester);
			assert.equal(`${request.method} ${request.path}`, 'POST /api/subscribers');
			assert.deepEqual(request.body, {
				email: f.email,
				fields: { name: f.firstName, last_name: f.lastName, prefinery_status: f.status, prefinery_referral_link: f.referralLink, prefinery_waitlist_position: f.position },
			});
		},
		expectReward(request, email, reward) {
			assert.equal(`${request.method} ${request.path}`, 'POST /api/subscribers');
			assert.deepEqual(request.body, { email, fields: { prefinery_last_reward: reward } });
		},
	},
];

/**
 * Each tool, with its credential check (`auth`: the header and value its API reads) and its contacts
 * (all of them; one by email) read from the simulator's store. `route(email)` is the method and path its
 * create-or-update must be sent to; `emailOf(request)` the email a request carries (in the body, or for
 * HubSpot in the path); `emailInPath` for HubSpot, whose node puts the email into the path (the template checks it first,
 * failing at `failNode` or `rewardFailNode`).
 */
export const TOOLS = TOOL_LIST.map((tool) => ({
	...tool,
	authorized: (request) => request.headers[tool.auth[0]] === tool.auth[1],
	expectAuth: (request) => assert.equal(request.headers[tool.auth[0]], tool.auth[1], `${tool.name} credential sent as ${tool.auth[0]}`),
	contacts: (stores) => store(stores, tool.hosts[0]),
	contact: (stores, email) => store(stores, tool.hosts[0]).get(email.toLowerCase()),
}));
