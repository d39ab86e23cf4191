#!/usr/bin/env node
// `npm start`: a local n8n (pinned runtime, SQLite, loopback) with this package installed from its
// packed tarball, the example workflow published, and a loopback "CRM" that prints what it receives.
// State lives in .n8n-local/ (git-ignored) so your edits survive restarts. Ctrl-C stops everything.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, packPackage, startN8n, OWNER } from '../harness/n8n.mjs';
import { ROOT } from '../harness/runtime.mjs';
import { importExample } from '../harness/examples.mjs';
import { startSink } from '../harness/sink.mjs';

const STATE_DIR = join(ROOT, '.n8n-local');
const STATE_FILE = join(STATE_DIR, 'state.json');
const SECRET = process.env.PREFINERY_SIGNING_SECRET || 'whsec_local_demo_secret';

async function portOrFree(preferred) {
	const { createServer } = await import('node:net');
	return new Promise((resolvePort) => {
		const server = createServer();
		server.once('error', () => freePort().then(resolvePort));
		server.listen(preferred, '127.0.0.1', () => server.close(() => resolvePort(preferred)));
	});
}

async function main() {
	mkdirSync(STATE_DIR, { recursive: true });
	const state = existsSync(STATE_FILE) ? JSON.parse(readFileSync(STATE_FILE, 'utf8')) : {};
	const pack = packPackage();
	// Reinstall the freshly packed package each start, so the running n8n has your latest build.
	rmSync(join(STATE_DIR, '.n8n', 'nodes'), { recursive: true, force: true });
	const port = await portOrFree(Number(process.env.N8N_PORT) || 5678);
	console.log(`Starting n8n on http://127.0.0.1:${port} …`);
	const n8n = await startN8n({ userFolder: STATE_DIR, tarball: pack.tarball, port, log: (line) => console.log(line) });
	let crm;
	try {
		crm = await startSink();
		await setUp(n8n, crm, state, pack);
	} catch (error) {
		await n8n.stop();
		await crm?.close();
		throw error;
	}
}

async function setUp(n8n, crm, state, pack) {
	let credentialId = state.credentialId;
	const credentials = await n8n.api.call('GET', '/credentials').catch(() => ({ data: [] }));
	if (!credentialId || !credentials.data?.some?.((c) => c.id === credentialId && c.type === 'prefineryWebhookApi')) {
		const credential = await n8n.api.createCredential('Prefinery Webhook (local demo)', 'prefineryWebhookApi', {
			webhookSigningSecret: SECRET,
		});
		credentialId = credential.id;
	}
	const credential = { id: credentialId, name: 'Prefinery Webhook (local demo)' };
	if (state.workflowId) {
		// Replace the demo workflow of the last run (its local CRM URL changes every start).
		await n8n.api.unpublish(state.workflowId).catch(() => {});
		await n8n.api.call('DELETE', `/workflows/${state.workflowId}`).catch(() => {});
	}
	const example = await importExample(n8n, credential, 'prefinery-new-signups-to-crm.json', {
		webhookId: 'prefinery-local-demo',
		patch: (workflow) => {
			workflow.nodes.find((node) => node.name === 'Create CRM contact').parameters.url = `${crm.url}/api/contacts`;
		},
	});
	writeFileSync(STATE_FILE, JSON.stringify({ credentialId, workflowId: example.id }, null, 2));

	const printed = new Set();
	const timer = setInterval(() => {
		for (const [i, request] of crm.requests.entries()) {
			if (printed.has(i)) continue;
			printed.add(i);
			console.log(`[local CRM] received contact ${JSON.stringify(request.body)}`);
		}
	}, 500);

	console.log(`
────────────────────────────────────────────────────────────────────────────
 n8n is running with the Prefinery nodes (${pack.files} files, ${(pack.size / 1024).toFixed(1)} kB packed)

 Editor:          ${n8n.baseUrl}/workflow/${example.id}
 Login:           ${OWNER.email} / ${OWNER.password}
 Production URL:  ${example.urls.production}
 Test URL:        ${example.urls.test}
                  (copy it, click Execute step on the trigger and answer Unpin and test,
                   then open it in a browser tab)
 Signing secret:  the credential "Prefinery Webhook (local demo)" holds the demo secret
                  (set PREFINERY_SIGNING_SECRET before npm start to use your own)

 Send a signed sample event (a new sign-up) from another terminal:

   PREFINERY_SIGNING_SECRET=${process.env.PREFINERY_SIGNING_SECRET ? '"$PREFINERY_SIGNING_SECRET"' : `'${SECRET}'`} npm run send-sample -- --url ${example.urls.production} --event tester_created

 Then open the editor → Executions. The "Create CRM contact" step posts to a
 local stand-in CRM at ${crm.url}; its requests are printed below.
 n8n's log: ${n8n.logFile}
 Ctrl-C stops n8n and the CRM.
────────────────────────────────────────────────────────────────────────────
`);

	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		clearInterval(timer);
		console.log('\nStopping n8n …');
		await n8n.stop();
		await crm.close();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	n8n.child.on('exit', (code) => {
		if (!stopping) {
			console.error(`n8n exited unexpectedly (${code}); log: ${n8n.logFile}`);
			process.exit(1);
		}
	});
}

main().catch((error) => {
	console.error(`npm start: ${error.message}`);
	process.exit(1);
});
