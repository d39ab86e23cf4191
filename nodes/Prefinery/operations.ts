/**
 * What each resource/operation of the Prefinery node does: read its parameters for one item,
 * call the API through the one client in `transport.ts`, and return the JSON for the output.
 * The node's `execute()` only loops over items, pairs outputs and handles errors.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { numericId } from '../../lib/api';
import { compact, testerBody, type TesterInput } from '../../lib/api-bodies';
import {
	DEFAULT_MAX_WAIT_SECONDS,
	DEFAULT_TIMEOUT_SECONDS,
	prefineryApiRequest,
	prefineryApiRequestAll,
	type PrefineryApiResponse,
	type RequestSettings,
} from '../shared/transport';

export type OperationResult = IDataObject | IDataObject[];
type Handler = (this: IExecuteFunctions, itemIndex: number) => Promise<OperationResult>;

function text(ctx: IExecuteFunctions, name: string, itemIndex: number, required = true): string {
	const value = String(ctx.getNodeParameter(name, itemIndex, '') ?? '').trim();
	if (required && value === '') {
		throw new NodeOperationError(ctx.getNode(), `The parameter "${name}" is empty`, { itemIndex });
	}
	return value;
}

function collection(ctx: IExecuteFunctions, name: string, itemIndex: number): IDataObject {
	const value = ctx.getNodeParameter(name, itemIndex, {});
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : {};
}

/** A path segment for an id parameter: digits only, or a clear error (see `numericId`). */
function idSegment(ctx: IExecuteFunctions, value: unknown, label: string, itemIndex: number): string {
	const check = numericId(value, label);
	if (!check.ok) throw new NodeOperationError(ctx.getNode(), check.message, { itemIndex });
	return check.segment;
}

/** The value of an id parameter (e.g. `testerId`) as a path segment. */
function idParameter(ctx: IExecuteFunctions, name: string, label: string, itemIndex: number): string {
	return idSegment(ctx, text(ctx, name, itemIndex), label, itemIndex);
}

/** `/betas/{project}` for the item's Project parameter (list or ID mode). */
function projectPath(ctx: IExecuteFunctions, itemIndex: number): string {
	const value = ctx.getNodeParameter('project', itemIndex, '', { extractValue: true });
	const id = String(value ?? '').trim();
	if (id === '') {
		throw new NodeOperationError(ctx.getNode(), 'Choose a Prefinery project', {
			itemIndex,
			description: 'Pick the project from the list or enter its ID.',
		});
	}
	return `/betas/${idSegment(ctx, id, 'project ID', itemIndex)}`;
}

/** The item's request settings (node options "Max Wait on Rate Limit (Seconds)" and "Timeout (Seconds)"). */
function settings(ctx: IExecuteFunctions, itemIndex: number): RequestSettings {
	const seconds = Number(ctx.getNodeParameter('options.maxRateLimitWait', itemIndex, DEFAULT_MAX_WAIT_SECONDS));
	const timeout = Number(ctx.getNodeParameter('options.timeout', itemIndex, DEFAULT_TIMEOUT_SECONDS));
	return {
		maxWaitMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_MAX_WAIT_SECONDS * 1000,
		timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : DEFAULT_TIMEOUT_SECONDS * 1000,
		itemIndex,
	};
}

async function request(
	ctx: IExecuteFunctions,
	itemIndex: number,
	method: IHttpRequestMethods,
	path: string,
	body?: IDataObject,
	qs?: IDataObject,
): Promise<PrefineryApiResponse> {
	return await prefineryApiRequest.call(ctx, method, path, body, qs, settings(ctx, itemIndex));
}

async function list(
	ctx: IExecuteFunctions,
	itemIndex: number,
	path: string,
	qs: IDataObject = {},
): Promise<IDataObject[]> {
	const returnAll = ctx.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? Infinity : Number(ctx.getNodeParameter('limit', itemIndex, 50));
	return (await prefineryApiRequestAll.call(
		ctx,
		path,
		compact(qs) as IDataObject,
		limit,
		settings(ctx, itemIndex),
	)) as IDataObject[];
}

function asObject(body: unknown, fallback: IDataObject): IDataObject {
	return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as IDataObject) : fallback;
}

interface ResponseRow {
	question_id?: string;
	answer?: string;
}

function testerInput(fields: IDataObject, profile: IDataObject, email?: string): TesterInput {
	const rows = ((fields.responses as IDataObject | undefined)?.response ?? []) as ResponseRow[];
	return {
		email: email ?? (fields.email as string | undefined),
		status: fields.status as string | undefined,
		referred_by: typeof fields.referred_by === 'string' ? fields.referred_by.trim() : undefined,
		profile,
		responses: rows.map((row) => ({ question_id: row.question_id ?? '', answer: row.answer ?? '' })),
	};
}

const project: Record<string, Handler> = {
	async get(i) {
		return asObject((await request(this, i, 'GET', projectPath(this, i))).body, {});
	},
	async getAll(i) {
		return await list(this, i, '/betas');
	},
};

const tester: Record<string, Handler> = {
	async create(i) {
		const body = testerBody(
			testerInput(collection(this, 'additionalFields', i), collection(this, 'profile', i), text(this, 'email', i)),
		);
		const response = await request(this, i, 'POST', `${projectPath(this, i)}/testers`, body);
		return asObject(response.body, {});
	},
	async get(i) {
		const path = `${projectPath(this, i)}/testers/${idParameter(this, 'testerId', 'tester ID', i)}`;
		return asObject((await request(this, i, 'GET', path)).body, {});
	},
	async getAll(i) {
		return await list(this, i, `${projectPath(this, i)}/testers`, collection(this, 'filters', i));
	},
	async update(i) {
		const id = idParameter(this, 'testerId', 'tester ID', i);
		const body = testerBody(testerInput(collection(this, 'updateFields', i), collection(this, 'profile', i)));
		if (Object.keys(body.tester).length === 0) {
			throw new NodeOperationError(this.getNode(), 'Nothing to update', {
				itemIndex: i,
				description: 'Add at least one update field or profile field.',
			});
		}
		const path = `${projectPath(this, i)}/testers/${id}`;
		return asObject((await request(this, i, 'PUT', path, body)).body, {});
	},
	async delete(i) {
		const id = idParameter(this, 'testerId', 'tester ID', i);
		const path = `${projectPath(this, i)}/testers/${id}`;
		const response = await request(this, i, 'DELETE', path);
		return asObject(response.body, { success: true, id });
	},
	async verify(i) {
		const id = idParameter(this, 'testerId', 'tester ID', i);
		const code = text(this, 'invitationCode', i);
		const path = `${projectPath(this, i)}/testers/${id}/verify`;
		const response = await request(this, i, 'GET', path, undefined, {
			invitation_code: code,
		});
		return asObject(response.body, { valid: true, id, invitation_code: code });
	},
	async checkIn(i) {
		const email = text(this, 'email', i);
		const response = await request(this, i, 'POST', `${projectPath(this, i)}/checkins`, {
			checkin: { email },
		});
		// Prefinery answers 202 Accepted without a body.
		return asObject(response.body, { success: true, email, statusCode: response.statusCode });
	},
};

const friendInvitation: Record<string, Handler> = {
	async create(i) {
		const body = {
			friend_invitation: compact({
				sender_email: text(this, 'senderEmail', i),
				recipient_email: text(this, 'recipientEmail', i),
				message: String(this.getNodeParameter('message', i, '') ?? ''),
			}),
		};
		const path = `${projectPath(this, i)}/friend_invitations`;
		return asObject((await request(this, i, 'POST', path, body)).body, {});
	},
};

const point: Record<string, Handler> = {
	async award(i) {
		const quantity = Number(this.getNodeParameter('quantity', i));
		if (!Number.isFinite(quantity)) {
			throw new NodeOperationError(this.getNode(), 'Quantity must be a number', { itemIndex: i });
		}
		const body = compact({
			email: text(this, 'email', i),
			quantity,
			reason: String(this.getNodeParameter('reason', i, '') ?? '').trim(),
		});
		const path = `${projectPath(this, i)}/points`;
		return asObject((await request(this, i, 'POST', path, body)).body, {});
	},
	async getAll(i) {
		return await list(this, i, `${projectPath(this, i)}/points`, collection(this, 'filters', i));
	},
};

const reward: Record<string, Handler> = {
	async getAll(i) {
		return await list(this, i, `${projectPath(this, i)}/rewards`, collection(this, 'filters', i));
	},
};

const suppression: Record<string, Handler> = {
	async create(i) {
		const body = {
			email: text(this, 'email', i),
			reason: String(this.getNodeParameter('reason', i, 'Manual')),
		};
		const path = `${projectPath(this, i)}/suppressions`;
		return asObject((await request(this, i, 'POST', path, body)).body, {});
	},
	async delete(i) {
		const id = idParameter(this, 'suppressionId', 'suppression ID', i);
		const path = `${projectPath(this, i)}/suppressions/${id}`;
		const response = await request(this, i, 'DELETE', path);
		return asObject(response.body, { success: true, id });
	},
	async getAll(i) {
		return await list(this, i, `${projectPath(this, i)}/suppressions`, collection(this, 'filters', i));
	},
};

const handlers: Record<string, Record<string, Handler>> = {
	project,
	tester,
	friendInvitation,
	point,
	reward,
	suppression,
};

export function getHandler(resource: string, operation: string): Handler | undefined {
	const byOperation = handlers[resource];
	return byOperation && Object.prototype.hasOwnProperty.call(byOperation, operation)
		? byOperation[operation]
		: undefined;
}
