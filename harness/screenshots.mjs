// The README's screenshots (docs/screenshots/*.png) show n8n's editor with this package's nodes: the
// trigger's panel, notices and parameters, the action node without a credential, the credential
// dialog, the example workflow. A stamp kept beside them (docs/screenshots/stamp.json) records what
// they were taken from; `npm run screenshots` writes it, and checks/screenshots.test.mjs recomputes it
// from the built package so a change to anything a picture shows fails until they are taken again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './runtime.mjs';

export const SHOTS_DIR = join(ROOT, 'docs', 'screenshots');
export const STAMP_FILE = join(SHOTS_DIR, 'stamp.json');
/** The pictures the README and docs show, as the editor suite names them. */
export const SHOWN = ['trigger-panel', 'listening', 'sample-output', 'action-node'];

/**
 * What the pictures depend on: the n8n version they were taken in, the descriptions of the nodes and
 * credentials they show (from dist/, as n8n loads them) and the example workflow the editor opens.
 * Returns { n8n, sha256 } (the hash covers everything; `n8n` is kept readable for the message).
 */
export function screenshotStamp() {
	const require = createRequire(join(ROOT, 'package.json'));
	const n8n = JSON.parse(readFileSync(join(ROOT, 'e2e', 'runtime', 'package.json'), 'utf8')).dependencies.n8n;
	const load = (file, name) => {
		const Type = require(join(ROOT, 'dist', file))[name];
		return new Type().description ?? new Type();
	};
	const parts = {
		n8n,
		trigger: load('nodes/PrefineryTrigger/PrefineryTrigger.node.js', 'PrefineryTrigger'),
		action: load('nodes/Prefinery/Prefinery.node.js', 'Prefinery'),
		webhookCredential: load('credentials/PrefineryWebhookApi.credentials.js', 'PrefineryWebhookApi'),
		apiCredential: load('credentials/PrefineryApi.credentials.js', 'PrefineryApi'),
		example: JSON.parse(readFileSync(join(ROOT, 'examples', 'prefinery-new-signups-to-crm.json'), 'utf8')),
	};
	// Functions (credential tests, methods) are not shown in a picture; JSON.stringify leaves them out.
	const sha256 = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
	return { n8n, sha256 };
}
