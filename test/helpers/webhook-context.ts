/** A mocked IWebhookFunctions for the trigger's webhook(), in the style of n8n's own trigger tests. */
import { mock } from 'jest-mock-extended';
import type { IDataObject, INode, IWebhookFunctions, Workflow } from 'n8n-workflow';

export interface WebhookCall {
	mode?: 'webhook' | 'manual';
	webhookName?: 'default' | 'setup';
	rawBody?: Buffer;
	body?: unknown;
	headers?: Record<string, string | string[]>;
	query?: Record<string, unknown>;
	params?: Record<string, unknown>;
	credentials?: Record<string, unknown>;
	/** What n8n's credential store does instead of resolving `credentials` (e.g. a slow or failing read). */
	readCredentials?: () => Promise<Record<string, unknown>>;
	/** The id of the credential selected in the node (n8n keeps it on the node); null → none selected. */
	credentialId?: string | null;
	workflowId?: string;
	nodeId?: string;
}

export function webhookContext(call: WebhookCall = {}) {
	const ctx = mock<IWebhookFunctions>();
	const res = { status: jest.fn(), json: jest.fn(), send: jest.fn(), end: jest.fn() };
	res.status.mockReturnValue(res);
	res.json.mockReturnValue(res);
	const req = { rawBody: call.rawBody, body: call.body, headers: call.headers ?? {}, query: call.query ?? {} };

	ctx.getRequestObject.mockReturnValue(req as unknown as ReturnType<IWebhookFunctions['getRequestObject']>);
	ctx.getResponseObject.mockReturnValue(res as unknown as ReturnType<IWebhookFunctions['getResponseObject']>);
	ctx.getBodyData.mockReturnValue((call.body ?? {}) as IDataObject);
	ctx.getHeaderData.mockReturnValue((call.headers ?? {}) as ReturnType<IWebhookFunctions['getHeaderData']>);
	ctx.getMode.mockReturnValue(call.mode ?? 'webhook');
	ctx.getWebhookName.mockReturnValue(call.webhookName ?? 'default');
	ctx.getWorkflow.mockReturnValue({ id: call.workflowId ?? 'wf-1' } as unknown as Workflow);
	ctx.getNode.mockReturnValue({
		id: call.nodeId ?? 'node-1',
		name: 'Prefinery Trigger',
		type: 'n8n-nodes-prefinery.prefineryTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		...(call.credentialId === null
			? {}
			: { credentials: { prefineryWebhookApi: { id: call.credentialId ?? 'cred-1', name: 'Prefinery Webhook' } } }),
	} as INode);
	if (call.readCredentials) ctx.getCredentials.mockImplementation(call.readCredentials as never);
	else ctx.getCredentials.mockResolvedValue((call.credentials ?? {}) as never);

	const params = call.params ?? {};
	const getNodeParameter = (name: string, fallback?: unknown) => (name in params ? params[name] : fallback);
	ctx.getNodeParameter.mockImplementation(getNodeParameter as unknown as IWebhookFunctions['getNodeParameter']);

	const returnJsonArray = jest.fn((data: IDataObject | IDataObject[]) =>
		(Array.isArray(data) ? data : [data]).map((json) => ({ json })),
	);
	ctx.helpers = { returnJsonArray } as unknown as IWebhookFunctions['helpers'];
	const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
	(ctx as unknown as { logger: typeof logger }).logger = logger;

	return { ctx, res, req, returnJsonArray, logger };
}
