// Runs n8n's own Community Nodes installer (the CommunityPackagesService of the n8n under test) for
// one package, exactly as Settings → Community Nodes → Install does:
// - n8n ≥ 1.1xx and 2.x (`downloadPackage`): `npm pack`, untar, drop devDependencies/peerDependencies/
//   optionalDependencies, `npm install --ignore-scripts …`;
// - older n8n 1.x (e.g. 1.85): the npm step of its Settings → Community Nodes install
//   (`installOrUpdatePackage` runs `executeNpmCommand`: `npm init -y` in a new nodes folder, then a plain
//   `npm install <name>@<version> --registry=…` there, with only PATH and NODE_PATH passed on). Called
//   through `installOrUpdateNpmPackage`, which runs the same command without n8n's database and in-process
//   loading; that n8n loads the package is proven by starting it on the folder afterwards.
// Only the registry differs: n8n reads it from N8N_COMMUNITY_PACKAGES_REGISTRY, which needs an
// enterprise licence, so the licence check is answered here and the install logic is n8n's.
// Usage (with the runtime's Node): node n8n-ui-install.cjs <n8n dir> <nodes dir> <registry> <name> <version>
'use strict';
const { mkdirSync, writeFileSync, existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

async function main() {
	const [n8nDir, nodesDir, registry, name, version] = process.argv.slice(2);
	const current = join(n8nDir, 'dist', 'modules', 'community-packages', 'community-packages.service.js');
	const older = join(n8nDir, 'dist', 'services', 'community-packages.service.js');
	const { CommunityPackagesService } = require(existsSync(current) ? current : older);
	const service = Object.create(CommunityPackagesService.prototype);
	const quiet = () => {};
	const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
	const license = { isCustomNpmRegistryEnabled: () => true };
	if (typeof service.downloadPackage === 'function') {
		mkdirSync(nodesDir, { recursive: true });
		const ledger = join(nodesDir, 'package.json');
		// What n8n writes on an instance with no community packages yet (ensurePackageJson).
		if (!existsSync(ledger)) {
			writeFileSync(ledger, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
		}
		Object.assign(service, { downloadFolder: nodesDir, packageJsonPath: ledger, config: { registry }, license, logger });
		const directory = await service.downloadPackage(name, version);
		process.stdout.write(`${JSON.stringify({ installer: 'downloadPackage', directory })}\n`);
		return;
	}
	// Older n8n: the user folder's .n8n exists (n8n made it at start-up); the nodes folder is n8n's to make.
	mkdirSync(dirname(nodesDir), { recursive: true });
	Object.assign(service, {
		instanceSettings: { nodesDownloadDir: nodesDir },
		globalConfig: { nodes: { communityPackages: { registry } } },
		license,
		logger,
		loadNodesAndCredentials: { loadPackage: async () => {}, postProcessLoaders: async () => {} },
	});
	await service.installOrUpdateNpmPackage(name, version);
	process.stdout.write(`${JSON.stringify({ installer: 'npm install', directory: join(nodesDir, 'node_modules', name) })}\n`);
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n${error.cause ? `cause: ${error.cause.stack ?? error.cause}` : ''}\n`);
	process.exit(1);
});
