// Debian's Chromium driven by playwright-core, for the editor suite. Chromium is installed with apt
// when missing (as root, or through password-less sudo); playwright's own browser download is not
// used (this machine reaches only the npm registry and Debian's packages).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { aptInstall } from './runtime.mjs';

export const CHROMIUM = process.env.PREFINERY_CHROMIUM ?? '/usr/bin/chromium';

export async function ensureChromium({ log = () => {} } = {}) {
	if (existsSync(CHROMIUM)) return CHROMIUM;
	await aptInstall(['chromium', 'fonts-liberation'], { label: 'Chromium', log });
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
