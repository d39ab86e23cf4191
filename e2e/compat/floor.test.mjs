// The package's floor (npm run test:compat -- 1.82): an n8n older than 1.85 starts with the package
// installed but refuses both nodes, because their descriptions use n8n-workflow's NodeConnectionTypes
// (added in 1.85.0; the lint rule node-connection-type-literal forbids the 'main' literal that older
// n8n would take). If this ever fails, the floor moved down: update docs/compatibility.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { packPackage, startN8n } from '../../harness/n8n.mjs';
import { runtimePaths, runtimeRequire } from '../../harness/runtime.mjs';

let n8n;

describe(`n8n ${runtimePaths().n8nVersion}, below the floor`, { timeout: 300_000 }, () => {
	before(async () => {
		const pack = packPackage();
		n8n = await startN8n({ tarball: pack.tarball, log: (line) => process.stderr.write(`${line}\n`) });
	});

	after(async () => {
		await n8n?.dispose();
	});

	it('its n8n-workflow has no NodeConnectionTypes', () => {
		assert.equal(runtimeRequire('n8n-workflow').NodeConnectionTypes, undefined);
	});

	it('n8n starts and stays healthy, but offers neither Prefinery node', async () => {
		// On a new connection, with node:http: a CI run on 2026-12-07 got fetch's bare "fetch failed" here
		// while n8n was up (its log went on). A new connection rules out a pooled keep-alive one that n8n
		// closed as it was reused, and an error here names its cause (ECONNREFUSED, ECONNRESET, …).
		const status = await new Promise((resolveGet, reject) => {
			get(`${n8n.baseUrl}/healthz/readiness`, { agent: false }, (res) => {
				res.resume();
				resolveGet(res.statusCode);
			}).on('error', reject);
		});
		assert.equal(status, 200);
		const names = (await n8n.api.nodeTypes()).map((type) => type.name);
		assert.ok(names.includes('n8n-nodes-base.webhook'), 'the core nodes are there');
		assert.deepEqual(names.filter((name) => name.startsWith('n8n-nodes-prefinery.')), []);
	});

	it('its log says why, in n8n\'s words: "Class could not be found" (its wrapper for the TypeError)', () => {
		const log = readFileSync(n8n.logFile, 'utf8');
		assert.match(log, /Class could not be found\. Please check if the class is named correctly\./);
		assert.match(log, /LazyPackageDirectoryLoader\.loadNodeFromFile/);
	});
});
