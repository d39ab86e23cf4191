// Runs n8n's own Community Nodes installer (CommunityPackagesService#downloadPackage of the pinned
// n8n) for one package, exactly as Settings → Community Nodes → Install does: `npm pack`, untar,
// drop devDependencies/peerDependencies/optionalDependencies, `npm install --ignore-scripts …`.
// Only the registry differs: n8n reads it from N8N_COMMUNITY_PACKAGES_REGISTRY, which needs an
// enterprise licence, so the licence check is answered here and the install logic is n8n's.
// Usage (with the runtime's Node): node n8n-ui-install.cjs <n8n dir> <nodes dir> <registry> <name> <version>
'use strict';
const { mkdirSync, writeFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

async function main() {
	const [n8nDir, nodesDir, registry, name, version] = process.argv.slice(2);
	const { CommunityPackagesService } = require(
		join(n8nDir, 'dist', 'modules', 'community-packages', 'community-packages.service.js'),
	);
	mkdirSync(nodesDir, { recursive: true });
	const ledger = join(nodesDir, 'package.json');
	// What n8n writes on an instance with no community packages yet (ensurePackageJson).
	if (!existsSync(ledger)) {
		writeFileSync(ledger, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	}
	const service = Object.create(CommunityPackagesService.prototype);
	const quiet = () => {};
	Object.assign(service, {
		downloadFolder: nodesDir,
		packageJsonPath: ledger,
		config: { registry },
		license: { isCustomNpmRegistryEnabled: () => true },
		logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
	});
	const directory = await service.downloadPackage(name, version);
	process.stdout.write(`${JSON.stringify({ directory })}\n`);
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n${error.cause ? `cause: ${error.cause.stack ?? error.cause}` : ''}\n`);
	process.exit(1);
});
