// Debian's Chromium driven by playwright-core, for the editor suite. Chromium is installed with apt
// when missing (as root, or through password-less sudo); playwright's own browser download is not
// used (this machine reaches only the npm registry and Debian's packages).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { run } from './runtime.mjs';

export const CHROMIUM = process.env.PREFINERY_CHROMIUM ?? '/usr/bin/chromium';

export async function ensureChromium({ log = () => {} } = {}) {
	if (existsSync(CHROMIUM)) return CHROMIUM;
	const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
	const apt = async (...args) => {
		const [command, ...rest] = [...asRoot, 'apt-get', ...args];
		await run(command, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }, log);
	};
	log('Installing Chromium from Debian (apt-get install chromium; once per machine, about a minute)');
	log('[chromium] apt-get update');
	await apt('update');
	log('[chromium] apt-get install chromium');
	await apt('install', '-y', '--no-install-recommends', 'chromium', 'fonts-liberation');
	if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is missing`);
	return CHROMIUM;
}

/** Headless Chromium with the flags this machine's closed network needs. */
export async function launchChromium({ log } = {}) {
	const executablePath = await ensureChromium({ log });
	return chromium.launch({
		executablePath,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
}
