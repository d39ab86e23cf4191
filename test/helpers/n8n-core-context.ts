/**
 * The trigger's webhook() inside n8n-core's real WebhookContext, built from a real n8n-workflow
 * Workflow (which fills in parameter defaults as n8n does when it loads a workflow). Only what n8n
 * would take from its database, HTTP server and credential store is stubbed: the request and
 * response objects and `credentialsHelper`.
 */
import { WebhookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeCredentialsDetails,
	INodeParameters,
	INodeType,
	INodeTypes,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';
import { PrefineryTrigger } from '../../nodes/PrefineryTrigger/PrefineryTrigger.node';

export const TRIGGER_TYPE = 'n8n-nodes-prefinery.prefineryTrigger';
const trigger = new PrefineryTrigger();

/** What n8n's node-type registry answers for this package (one class serves both typeVersions). */
export const nodeTypes: INodeTypes = {
	getByName: () => trigger,
	getByNameAndVersion: (type: string): INodeType => {
		if (type !== TRIGGER_TYPE) throw new Error(`unknown node type ${type}`);
		return trigger;
	},
	getKnownTypes: () => ({}),
};

/** The request as n8n's HTTP server hands it to a webhook (rawBody already read, or read on demand). */
export interface FakeRequest {
	method: string;
	rawBody?: Buffer;
	body?: unknown;
	headers: Record<string, string>;
	query: Record<string, unknown>;
	params: Record<string, string>;
	readRawBody?: () => Promise<void>;
}

export interface CoreCall {
	typeVersion?: number;
	/** The node's saved parameters (n8n fills in defaults for everything missing). */
	parameters?: INodeParameters;
	/** The node's credential reference; null → the node has none selected. */
	credential?: INodeCredentialsDetails | null;
	/** What the credential store decrypts, or an error it throws. */
	decrypted?: ICredentialDataDecryptedObject | Error;
	mode?: WorkflowExecuteMode;
	webhookName?: 'default' | 'setup';
	request: FakeRequest;
	workflowId?: string;
	nodeId?: string;
	staticData?: IDataObject;
}

export function triggerNode(call: Pick<CoreCall, 'typeVersion' | 'parameters' | 'credential' | 'nodeId'>): INode {
	const credential = call.credential === undefined ? { id: 'cred-1', name: 'Prefinery Webhook' } : call.credential;
	return {
		id: call.nodeId ?? 'node-1',
		name: 'Prefinery Trigger',
		type: TRIGGER_TYPE,
		typeVersion: call.typeVersion ?? 1.1,
		position: [0, 0],
		webhookId: 'hook-1',
		parameters: call.parameters ?? {},
		...(credential ? { credentials: { prefineryWebhookApi: credential } } : {}),
	};
}

export async function runInCoreContext(call: CoreCall) {
	const node = triggerNode(call);
	const workflow = new Workflow({
		id: call.workflowId ?? 'wf-core-1',
		name: 'Prefinery core-context test',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes,
		staticData: call.staticData,
		settings: { executionOrder: 'v1' },
	});
	const getDecrypted = jest.fn(async (): Promise<ICredentialDataDecryptedObject> => {
		if (call.decrypted instanceof Error) throw call.decrypted;
		return call.decrypted ?? {};
	});
	const res = { status: jest.fn(), json: jest.fn(), send: jest.fn(), end: jest.fn() };
	res.status.mockReturnValue(res);
	res.json.mockReturnValue(res);
	const additionalData = {
		credentialsHelper: { getDecrypted, isCredentialUsableByNode: () => true },
		httpRequest: call.request,
		httpResponse: res,
		restApiUrl: 'http://localhost:5678/rest',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		instanceBaseUrl: 'http://localhost:5678',
		variables: {},
		userId: 'user-1',
	} as unknown as IWorkflowExecuteAdditionalData;
	const webhookName = call.webhookName ?? 'default';
	const webhookDescription = trigger.description.webhooks!.find((webhook) => webhook.name === webhookName)!;
	const webhookData = {
		httpMethod: webhookDescription.httpMethod,
		node: node.name,
		path: 'webhook',
		webhookDescription,
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
		webhookId: node.webhookId,
		isTest: call.mode === 'manual',
	} as IWebhookData;
	const ctx = new WebhookContext(workflow, workflow.getNode(node.name)!, additionalData, call.mode ?? 'webhook', webhookData, [], null);
	const result: IWebhookResponseData = await trigger.webhook.call(ctx);
	return { result, res, getDecrypted, workflow, ctx };
}
