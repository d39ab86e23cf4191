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
import { parameterUnavailableMessage } from '../../lib/answers';
import { decideDelivery, refuse, type DeliveryOutcome } from '../../lib/delivery';
import { ANY_EVENT, PREFINERY_EVENTS } from '../../lib/events';
import { rejections, unverifiedEvent } from '../../lib/rejections';
import { samplePayload } from '../../lib/samples';
import { signingSecrets } from '../../lib/secret-cache';
import { checkSigningSecret } from '../../lib/secret-check';
import { readTriggerParameters, resolveSettings, sampleTypeFor } from '../../lib/trigger-settings';
import { triggerProperties } from './description';

/** The trigger panel: what n8n shows beside the parameters until the first event arrived. */
const PANEL = {
	header: 'Get your first Prefinery event',
	tryIt:
		'<b>Try it now, no Prefinery account needed:</b> open <b>Webhook URLs</b> at the top of the parameters and copy the <b>Test URL</b>, click <b>Execute step</b>, then open the Test URL in a new browser tab. A sample event arrives here.',
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
		// parses non-JSON bodies for typeVersion 1 start nodes (see webhook() for the raw body). 1.2 only
		// turns "Rejected Output" on by default (a second output; 1 and 1.1 can turn it on too).
		version: [1, 1.1, 1.2],
		defaultVersion: 1.2,
		subtitle: `={{ ($parameter["events"] || []).map((event) => (${JSON.stringify(EVENT_NAMES)})[event] || event).join(", ") }}`,
		// n8n's node creator shows this for the whole Prefinery entry (triggers and actions together).
		description:
			'Prefinery waitlists and referrals: start workflows on signed, de-duplicated events; manage testers, points and rewards',
		defaults: { name: 'Prefinery Trigger' },
		eventTriggerDescription:
			'Open the Test URL (Webhook URLs) in a browser for a sample event, or press Test in Prefinery',
		activationMessage:
			'Paste the Production URL into Prefinery (your project → Integrations → Webhooks → Add a URL) if you have not yet.',
		inputs: [],
		// Event, plus Rejected when "Rejected Output" is on (the default from 1.2).
		outputs: `={{ $parameter.rejectedOutput === true ? ${JSON.stringify([
			{ type: NodeConnectionTypes.Main, displayName: 'Event' },
			{ type: NodeConnectionTypes.Main, displayName: 'Rejected' },
		])} : ${JSON.stringify([{ type: NodeConnectionTypes.Main }])} }}`,
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
				// Registration is manual in Prefinery (your project → Integrations → Webhooks → Add a URL).
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
		const sample = this.getWebhookName() === 'setup';
		/** Answers with a status other than 200 ourselves (n8n's webhookResponse is always 200). */
		const answerWith = (outcome: DeliveryOutcome): IWebhookResponseData => {
			if (outcome.httpStatus === 200) return { webhookResponse: outcome.answer };
			this.getResponseObject().status(outcome.httpStatus).json(outcome.answer);
			return { noWebhookResponse: true };
		};

		if (sample && !manual) return answerWith(refuse('get_not_delivered'));

		const node = this.getNode();
		const workflowId = this.getWorkflow().id;
		const scope = `${workflowId ?? ''}:${node.id}`;
		/** A rejection: logged (bounded) and, with the Rejected output, an item, while Prefinery gets the answer. */
		const reject = (outcome: DeliveryOutcome): IWebhookResponseData => {
			let output = false;
			try {
				output = this.getNodeParameter('rejectedOutput', false) === true;
			} catch {
				// An expression on Rejected Output that fails: the rejection is still logged.
			}
			// The event it names: from the answer when the body was read (verified if its signature was),
			// else read from the body without trusting it (a signature that failed), marked unverified.
			const named = outcome.answer.event_id !== undefined || outcome.answer.type !== undefined;
			let event: { event_id?: number | string | null; type?: string; event_verified: boolean } = {
				event_verified: !outcome.emit && outcome.eventVerified === true,
			};
			if (!named && !sample) {
				try {
					event = { ...unverifiedEvent(this.getBodyData(), req.rawBody as Buffer | undefined), event_verified: false };
				} catch {
					// No body to read: the rejection names no event.
				}
			}
			const workflow = this.getWorkflow();
			const report = rejections.report(
				scope,
				{ ...outcome.answer, ...event, reason: outcome.answer.reason ?? 'rejected', httpStatus: outcome.httpStatus },
				{ manual, output, workflow: { id: workflow.id, name: workflow.name }, node: node.name },
			);
			if (report.log !== null) this.logger.warn(report.log, { workflowId, node: node.name });
			const answered = answerWith(outcome);
			if (report.item === null) return answered;
			return { ...answered, workflowData: [[], [{ json: report.item as unknown as IDataObject }]] };
		};

		// Every parameter read here: an expression that fails must not become n8n's 500 (Prefinery drops
		// it) and an error execution per request, but a 429 naming the parameter, bounded like any rejection.
		const read = readTriggerParameters((name, fallback, extractValue) =>
			this.getNodeParameter(name, fallback, extractValue ? { extractValue: true } : undefined),
		);
		if (!read.ok) return reject(refuse('parameter_unavailable', 'retry', parameterUnavailableMessage(read.parameter)));
		const settings = resolveSettings(read.params, { manual, sample, memory: eventMemories.for(scope) });

		if (!sample && req.rawBody === undefined && typeof req.readRawBody === 'function') {
			// For typeVersion > 1 n8n reads the body only for JSON, text, form and XML content types;
			// for any other (or none) it leaves the raw bytes unread. Read them here, as n8n's own Webhook
			// node does, so every typeVersion verifies and parses the same bytes.
			try {
				await req.readRawBody();
			} catch (error) {
				if ((error as { status?: unknown }).status === 413) return reject(refuse('body_too_large'));
				// Unreadable otherwise (aborted, already consumed as multipart): answered as a request
				// without a raw body, exactly as for typeVersion 1.
			}
		}

		const rawBody = sample
			? Buffer.from(JSON.stringify(samplePayload(sampleTypeFor(req.query.event, settings.events))), 'utf8')
			: (req.rawBody as Buffer | undefined);
		/** The credential's secret (trimmed: a pasted trailing newline must not reject every event). */
		const readCredential = async (): Promise<string | undefined> => {
			try {
				const credentials = await this.getCredentials('prefineryWebhookApi');
				return typeof credentials.webhookSigningSecret === 'string' ? credentials.webhookSigningSecret.trim() : '';
			} catch {
				return undefined; // answered 429 credential_unavailable, without the error's text (it may name the credential)
			}
		};
		const secretKey = `${scope}:${node.credentials?.prefineryWebhookApi?.id ?? ''}`;
		const outcome = await decideDelivery(
			{
				rawBody,
				body: sample ? undefined : this.getBodyData(),
				headers: this.getHeaderData() as Record<string, string | string[] | undefined>,
				now: Math.floor(Date.now() / 1000),
				sample,
			},
			settings,
			signingSecrets.source(secretKey, readCredential),
		);

		if (!outcome.emit) return outcome.httpStatus < 400 ? answerWith(outcome) : reject(outcome);
		// Wrapped here, never by returnJsonArray: an event body with a top-level `json` key must stay
		// data, not become the item.
		return { workflowData: [[{ json: outcome.item as IDataObject }]], webhookResponse: outcome.answer };
	}
}
