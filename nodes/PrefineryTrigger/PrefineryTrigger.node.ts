import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	IHookFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { eventMemories } from '../../lib/dedupe';
import { handleDelivery, type AnswerBody, type DeliverySettings, type OutputFormat } from '../../lib/delivery';
import { ANY_EVENT, findEvent, PREFINERY_EVENTS } from '../../lib/events';
import { toInteger } from '../../lib/normalize';
import { samplePayload } from '../../lib/samples';
import { signingSecrets } from '../../lib/secret-cache';
import { checkSigningSecret, DEFAULT_TOLERANCE_SECONDS } from '../../lib/signature';
import { triggerProperties } from './description';

interface TriggerOptions {
	ignoreDuplicates?: boolean;
	includeHeaders?: boolean;
	signatureTolerance?: number;
}

/** The trigger panel: what n8n shows beside the parameters until the first event arrived. */
const PANEL = {
	header: 'Get your first Prefinery event',
	tryIt:
		'<b>Try it now, no Prefinery account needed:</b> click <b>Execute step</b>, open <b>Webhook URLs</b> at the top of the parameters, copy the <b>Test URL</b> and open it in a new browser tab. A sample event arrives here.',
	goLive:
		'<b>Go live:</b> publish the workflow, then paste the <b>Production URL</b> into Prefinery: your project → Integrations → Webhooks → Add a URL.',
	live: '<b>Live:</b> every event Prefinery sends to the Production URL starts an execution (see Executions).',
};

/** "tester_created, tester_applied" → "Tester Created, Tester Applied" on the canvas. */
const EVENT_NAMES: Record<string, string> = Object.fromEntries([
	[ANY_EVENT, 'Any Event'],
	...PREFINERY_EVENTS.map((event) => [event.value, event.name]),
]);

export class PrefineryTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Prefinery Trigger',
		name: 'prefineryTrigger',
		icon: { light: 'file:../../icons/prefinery.svg', dark: 'file:../../icons/prefinery.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves and emits exactly like 1; n8n only evaluates its legacy binary-data option and
		// parses non-JSON bodies for typeVersion 1 start nodes (see webhook() for the raw body).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: `={{ ($parameter["events"] || []).map((event) => (${JSON.stringify(EVENT_NAMES)})[event] || event).join(", ") }}`,
		// n8n's node creator shows this for the whole Prefinery entry (triggers and actions together).
		description:
			'Prefinery waitlists and referrals: start workflows on signed, de-duplicated events; manage testers, points and rewards',
		defaults: { name: 'Prefinery Trigger' },
		eventTriggerDescription:
			'Open the Test URL (Webhook URLs) in a browser for a sample event, or press Test in Prefinery',
		activationMessage:
			'Paste the Production URL into Prefinery (Integrations → Webhooks → Add a URL) if you have not yet.',
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'prefineryWebhookApi',
				required: true,
				testedBy: 'prefineryWebhookSecretCheck',
				displayOptions: { show: { verifySignature: [true] } },
			},
		],
		webhooks: [
			{
				// Prefinery's deliveries.
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// Answer with the node's own `webhookResponse` (a short JSON status), not the item.
				responseData: '',
				path: 'webhook',
			},
			{
				// A browser GET: in "Listen for test event" it emits a sample event; in production it
				// only answers with set-up help and never starts an execution.
				name: 'setup',
				httpMethod: 'GET',
				responseMode: 'onReceived',
				responseData: '',
				path: 'webhook',
			},
		],
		triggerPanel: {
			header: PANEL.header,
			executionsHelp: {
				inactive: `${PANEL.tryIt}<br /><br />${PANEL.goLive}`,
				active: `${PANEL.live}<br /><br />${PANEL.tryIt}`,
			},
			activationHint:
				'Prefinery delivers only to published workflows: while unpublished, the Production URL answers 404 and Prefinery drops the event.',
		},
		properties: triggerProperties,
	};

	methods = {
		credentialTest: {
			/** A local check only: Prefinery has no endpoint that could verify a signing secret. */
			async prefineryWebhookSecretCheck(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				const check = checkSigningSecret(credential.data?.webhookSigningSecret);
				return { status: check.ok ? 'OK' : 'Error', message: check.message };
			},
		},
	};

	/**
	 * Prefinery has no API to register webhooks: the user pastes the URL into Prefinery. The three
	 * lifecycle methods are therefore deliberate no-ops that let n8n register its own route.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				// Prefinery has no webhook API, so there is nothing on its side to look up or create:
				// the user pastes the URL into Prefinery. Answering "exists" lets n8n register its route.
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				// Registration is manual in Prefinery (Integrations → Webhooks → Add a URL).
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				// The URL stays in Prefinery until the user removes it there; n8n drops its route, so
				// deliveries to an unpublished workflow get 404 (documented in the README).
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const manual = this.getMode() === 'manual';
		const isSampleRequest = this.getWebhookName() === 'setup';
		const events = this.getNodeParameter('events', [ANY_EVENT]) as string[];

		if (isSampleRequest && !manual) {
			return {
				webhookResponse: {
					status: 'ignored',
					reason: 'get_not_delivered',
					message:
						'This is a Prefinery Trigger URL. Prefinery delivers events here with POST; paste this URL in Prefinery → Integrations → Webhooks. Sample events (GET) work only on the Test URL while the editor listens.',
				},
			};
		}

		const verify = this.getNodeParameter('verifySignature', true) as boolean;
		const options = this.getNodeParameter('options', {}) as TriggerOptions;
		const projectValue = this.getNodeParameter('project', '', { extractValue: true }) as string;
		const node = this.getNode();
		const scope = `${this.getWorkflow().id ?? ''}:${node.id}`;
		const secretKey = `${scope}:${node.credentials?.prefineryWebhookApi?.id ?? ''}`;
		/** The credential's secret (trimmed: a pasted trailing newline must not reject every event). */
		const readSecret = async (): Promise<string | undefined> => {
			try {
				const credentials = await this.getCredentials('prefineryWebhookApi');
				const value =
					typeof credentials.webhookSigningSecret === 'string'
						? credentials.webhookSigningSecret.trim()
						: '';
				signingSecrets.set(secretKey, value);
				return value;
			} catch {
				return undefined; // answered below without the error's text (it may name the credential)
			}
		};
		/** Answers with a status other than 200 ourselves (n8n's webhookResponse is always 200). */
		const answerWith = (status: number, body: AnswerBody): IWebhookResponseData => {
			this.getResponseObject().status(status).json(body);
			return { noWebhookResponse: true };
		};
		// 429: Prefinery retries with back-off, so no event is lost while the credential is fixed.
		const credentialUnavailable = (): IWebhookResponseData =>
			answerWith(429, {
				status: 'rejected',
				reason: 'credential_unavailable',
				message:
					'The Prefinery Trigger could not read its Prefinery Webhook credential in n8n. Select or repair the credential in the node; Prefinery will retry this delivery.',
			});
		const needsSecret = verify && !isSampleRequest;
		const keptSecret = needsSecret ? signingSecrets.get(secretKey) : undefined;
		let secret = '';
		if (needsSecret) {
			const read = keptSecret ?? (await readSecret());
			if (read === undefined) return credentialUnavailable();
			secret = read;
		}
		const projectId = projectValue === '' || isSampleRequest ? null : toInteger(projectValue);
		if (projectValue !== '' && projectId === null && !isSampleRequest) {
			// Fail closed: a project filter that is not a number must not turn into "any project".
			return {
				webhookResponse: {
					status: 'ignored',
					reason: 'invalid_project_filter',
					message: `The trigger's Project filter "${projectValue}" is not a Prefinery project ID (a number); fix it in the node. Acknowledged without starting the workflow.`,
				},
			};
		}
		const settings: DeliverySettings = {
			events,
			verifySignature: verify,
			secret,
			toleranceSeconds: options.signatureTolerance ?? DEFAULT_TOLERANCE_SECONDS,
			// A sample is always for the sample project, so the project filter does not apply to it.
			projectId,
			output: this.getNodeParameter('output', 'typed') as OutputFormat,
			includeHeaders: options.includeHeaders ?? false,
			// Test-URL deliveries are not de-duplicated: Prefinery's Test button may resend one sample.
			memory:
				manual || options.ignoreDuplicates === false
					? null
					: eventMemories.for(scope),
			allowUnsigned: manual,
		};

		if (!isSampleRequest && req.rawBody === undefined && typeof req.readRawBody === 'function') {
			// For typeVersion > 1 n8n reads the body only for JSON, text, form and XML content types;
			// for any other (or none) it leaves the raw bytes unread. Read them here, as n8n's own Webhook
			// node does, so every typeVersion verifies and parses the same bytes.
			try {
				await req.readRawBody();
			} catch (error) {
				if ((error as { status?: unknown }).status === 413) {
					return answerWith(413, {
						status: 'rejected',
						reason: 'body_too_large',
						message:
							"The request body is larger than n8n's body size limit (N8N_PAYLOAD_SIZE_MAX). Prefinery's events are about 1.5 kB.",
					});
				}
				// Unreadable otherwise (aborted, already consumed as multipart): answered below as a
				// request without a raw body, exactly as for typeVersion 1.
			}
		}

		let rawBody = req.rawBody as Buffer | undefined;
		if (isSampleRequest) {
			const requested = typeof req.query.event === 'string' ? req.query.event : '';
			const type =
				requested || events.find((event) => event !== ANY_EVENT && findEvent(event)) || 'tester_created';
			rawBody = Buffer.from(JSON.stringify(samplePayload(type)), 'utf8');
		}

		const delivery = {
			rawBody,
			body: isSampleRequest ? undefined : this.getBodyData(),
			headers: this.getHeaderData() as Record<string, string | string[] | undefined>,
			now: Math.floor(Date.now() / 1000),
			sample: isSampleRequest,
		};
		let outcome = handleDelivery(delivery, settings);
		if (
			keptSecret !== undefined &&
			!outcome.emit &&
			(outcome.answer.reason === 'mismatch' || outcome.answer.reason === 'no_secret')
		) {
			// The kept copy of the secret may be out of date (changed in n8n): read the credential
			// again and decide with the current secret before rejecting.
			const current = await readSecret();
			if (current === undefined) return credentialUnavailable();
			if (current !== keptSecret) outcome = handleDelivery(delivery, { ...settings, secret: current });
		}

		if (outcome.emit) {
			return {
				workflowData: [this.helpers.returnJsonArray(outcome.item as IDataObject)],
				webhookResponse: outcome.answer,
			};
		}
		if (outcome.httpStatus === 200) {
			return { webhookResponse: outcome.answer };
		}
		return answerWith(outcome.httpStatus, outcome.answer);
	}
}
