// A real npm registry on loopback (Verdaccio, pinned by e2e/registry/, installed once into the
// git-ignored .cache/registry) for the install-path suite. The packed package is published to it;
// every other package is proxied from the npm registry this machine's npm uses. People run the
// README's commands against the npm registry; the suite runs the same commands, word for word, with
// npm_config_registry pointing here, because an unpublished version exists nowhere else.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, stopChild, tail } from './n8n.mjs';
import { ensurePinnedInstall, INSTALL_ENV, ROOT } from './runtime.mjs';

const SPEC_DIR = join(ROOT, 'e2e', 'registry');
const DIR = join(ROOT, '.cache', 'registry');

function upstreamRegistry() {
	const configured = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
	return configured || 'https://registry.npmjs.org/';
}

/**
 * Starts Verdaccio on 127.0.0.1 with empty storage. `ownPackages` are served only from here (never
 * proxied), so the local build always wins over anything of the same name upstream.
 * Returns { url, publish(tarball), stop() }.
 */
export async function startRegistry({ log = () => {}, ownPackages = ['n8n-nodes-prefinery'] } = {}) {
	await ensurePinnedInstall({ label: 'the local npm registry (Verdaccio)', specDir: SPEC_DIR, dir: DIR, log });
	const work = mkdtempSync(join(tmpdir(), 'prefinery-registry-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}/`;
	const own = ownPackages
		.map((name) => `  '${name}':\n    access: $all\n    publish: $authenticated\n`)
		.join('');
	writeFileSync(
		join(work, 'config.yaml'),
		`storage: ${join(work, 'storage')}
auth:
  htpasswd:
    file: ${join(work, 'htpasswd')}
    max_users: 10
uplinks:
  upstream:
    url: ${upstreamRegistry()}
    timeout: 60s
packages:
${own}  '**':
    access: $all
    publish: $authenticated
    proxy: upstream
server:
  keepAliveTimeout: 60
logs: { type: stdout, format: pretty, level: warn }
listen: 127.0.0.1:${port}
`,
	);
	const logFile = join(work, 'verdaccio.log');
	const out = createWriteStream(logFile);
	const child = spawn(process.execPath, [join(DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', join(work, 'config.yaml')], {
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, NODE_ENV: 'production' },
	});
	child.stdout.pipe(out);
	child.stderr.pipe(out);
	const stop = async () => {
		await stopChild(child, 5_000);
		out.end();
		rmSync(work, { recursive: true, force: true });
	};
	try {
		const deadline = Date.now() + 60_000;
		for (;;) {
			if (child.exitCode !== null) throw new Error(`Verdaccio exited during start-up:\n${tail(logFile)}`);
			const ping = await fetch(`${url}-/ping`).catch(() => null);
			if (ping?.ok) break;
			if (Date.now() > deadline) throw new Error(`Verdaccio did not start within 60 s:\n${tail(logFile)}`);
			await sleep(200);
		}
		const user = await fetch(`${url}-/user/org.couchdb.user:prefinery-ci`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'prefinery-ci', password: 'prefinery-ci-password' }),
		});
		if (!user.ok) throw new Error(`Verdaccio: could not create the publishing user (${user.status} ${await user.text()})`);
		const { token } = await user.json();
		const authArg = `--${url.replace(/^http:/, '')}:_authToken=${token}`;
		return {
			url,
			logFile,
			/** npm publish of a packed tarball (a tarball runs no lifecycle scripts). */
			publish(tarball) {
				execFileSync('npm', ['publish', tarball, `--registry=${url}`, authArg, '--ignore-scripts', '--provenance=false'], {
					cwd: work,
					env: INSTALL_ENV,
					stdio: ['ignore', 'pipe', 'pipe'],
				});
			},
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
