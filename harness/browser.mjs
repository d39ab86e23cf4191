// A Chromium (or Google Chrome) driven by playwright-core, for the editor suite. playwright's own browser
// download is not used (this machine reaches only the npm registry and Debian's packages). The browser is
// looked up before anything is installed, in this order:
//   1. PREFINERY_CHROMIUM, when set (GitHub CI sets it from browser-actions/setup-chrome);
//   2. CHROME_BIN, which GitHub's Ubuntu runner images set to their Google Chrome;
//   3. the usual paths: Debian's /usr/bin/chromium, the runner images' /usr/local/share/chromium build
//      (also linked as /usr/bin/chromium), chromium-browser, google-chrome(-stable);
//   4. only then Debian's `chromium` with apt (as root, or through password-less sudo).
// Each candidate must answer `--version` like a browser: Ubuntu's apt "chromium-browser" is a stub that
// installs a snap, and is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { aptInstall } from './runtime.mjs';

export const KNOWN_PATHS = [
	'/usr/bin/chromium',
	'/usr/local/share/chromium/chrome-linux/chrome',
	'/usr/bin/chromium-browser',
	'/usr/bin/google-chrome',
	'/usr/bin/google-chrome-stable',
];

/** The browser's version line, or null when `path` is missing or not a real browser (a snap stub). */
export function browserVersion(path) {
	if (!path || !existsSync(path)) return null;
	const answer = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
	const line = `${answer.stdout ?? ''}`.trim();
	return answer.status === 0 && /^(Chromium|Google Chrome)\b.*\d+\./.test(line) ? line : null;
}

/** The first real browser among `candidates` (paths, in order), or null. */
export function findBrowser(candidates) {
	for (const path of candidates) {
		const version = browserVersion(path);
		if (version) return { path, version };
	}
	return null;
}

export async function ensureChromium({ log = () => {} } = {}) {
	const explicit = process.env.PREFINERY_CHROMIUM;
	if (explicit) {
		const found = findBrowser([explicit]);
		if (!found) throw new Error(`PREFINERY_CHROMIUM=${explicit} is not a Chromium or Chrome that answers --version. Point it at a browser binary, or unset it.`);
		return found.path;
	}
	const candidates = [process.env.CHROME_BIN, ...KNOWN_PATHS].filter(Boolean);
	let found = findBrowser(candidates);
	if (!found) {
		await aptInstall(['chromium', 'fonts-liberation'], { label: 'Chromium', log });
		found = findBrowser(['/usr/bin/chromium']);
	}
	if (!found) {
		throw new Error(
			`No Chromium or Chrome found (looked at ${candidates.join(', ')}), and apt's chromium is not a real browser here (on Ubuntu it is a snap stub). Install one and set PREFINERY_CHROMIUM to its path.`,
		);
	}
	log(`Browser: ${found.version} (${found.path})`);
	return found.path;
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
