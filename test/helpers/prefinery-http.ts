/**
 * `helpers.httpRequestWithAuthentication` as n8n-core binds it in a node context, for node tests that
 * call the mock Prefinery API: n8n-core's own function (n8n's real HTTP stack and error mapping), with
 * the credential's generic `authenticate` (Bearer header) applied as n8n's credentials helper does.
 * Shared by the node tests (test/prefinery-node.test.ts, test/catch-up-trigger.test.ts).
 */
import type { IAuthenticateGeneric, ICredentialDataDecryptedObject, IHttpRequestOptions, INode } from 'n8n-workflow';
// n8n-core's request helper, as its node contexts bind it (not part of n8n-core's public index).
import { httpRequestWithAuthentication as coreHttpRequestWithAuthentication } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helpers/authentication';
import { PrefineryApi } from '../../credentials/PrefineryApi.credentials';

const credentialType = new PrefineryApi();

function resolveTemplate(template: string, credentials: ICredentialDataDecryptedObject): string {
	const body = template.startsWith('=') ? template.slice(1) : template;
	return body.replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, key: string) => String(credentials[key] ?? ''));
}

const credentialsHelper = {
	getParentTypes: () => [],
	preAuthentication: async () => undefined,
	authenticate: async (credentials: ICredentialDataDecryptedObject, _type: string, options: IHttpRequestOptions) => {
		const auth = credentialType.authenticate as IAuthenticateGeneric;
		const headers: Record<string, string> = {};
		for (const [name, template] of Object.entries(auth.properties.headers ?? {})) {
			headers[name] = resolveTemplate(String(template), credentials);
		}
		return { ...options, headers: { ...(options.headers ?? {}), ...headers } };
	},
};

/**
 * `helpers.httpRequestWithAuthentication` as n8n-core binds it in an execute context: n8n-core's own
 * function, so the request goes through n8n's real HTTP stack and an error status comes back as the
 * NodeApiError n8n really throws (the error mapping in the transport is tested against that, not
 * against a shape a test would invent). The credentials helper is the only stand-in on the way.
 */
export async function httpRequestWithAuthentication(
	this: { getNode(): INode; getCredentials(type: string): Promise<ICredentialDataDecryptedObject> },
	credentialsType: string,
	options: IHttpRequestOptions,
): Promise<unknown> {
	return await coreHttpRequestWithAuthentication.call(
		this as never,
		credentialsType,
		options,
		{} as never,
		this.getNode(),
		{ credentialsHelper } as never,
	);
}
