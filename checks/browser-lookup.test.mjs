// The editor suite's browser lookup (harness/browser.mjs): it takes a real Chromium or Chrome that a
// machine already has, and skips Ubuntu's apt "chromium-browser", a stub that only installs a snap.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { browserVersion, ensureChromium, findBrowser } from '../harness/browser.mjs';

const dir = mkdtempSync(join(tmpdir(), 'prefinery-browser-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function script(name, body) {
	const path = join(dir, name);
	writeFileSync(path, `#!/bin/sh\n${body}\n`);
	chmodSync(path, 0o755);
	return path;
}

// What Ubuntu's chromium-browser package installs: a script that asks for the snap.
const snapStub = script('chromium-browser', `echo "Command '/usr/bin/chromium-browser' requires the chromium snap to be installed." >&2\nexit 1`);
const chrome = script('google-chrome', 'echo "Google Chrome 142.0.7444.59 "');
const chromium = script('chromium', 'echo "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)"');

describe('the browser lookup', () => {
	it('recognises a browser by its --version line', () => {
		assert.match(browserVersion(chrome), /^Google Chrome 142/);
		assert.match(browserVersion(chromium), /^Chromium 156/);
		assert.equal(browserVersion(snapStub), null);
		assert.equal(browserVersion(join(dir, 'missing')), null);
	});

	it('skips a snap stub and a missing path, and takes the first real browser in order', () => {
		assert.deepEqual(findBrowser([join(dir, 'missing'), snapStub, chrome, chromium]).path, chrome);
		assert.equal(findBrowser([snapStub]), null);
	});

	it('PREFINERY_CHROMIUM wins, and a stub there is a clear error, not an apt install', async () => {
		const saved = process.env.PREFINERY_CHROMIUM;
		try {
			process.env.PREFINERY_CHROMIUM = chromium;
			assert.equal(await ensureChromium(), chromium);
			process.env.PREFINERY_CHROMIUM = snapStub;
			await assert.rejects(ensureChromium(), /PREFINERY_CHROMIUM=.* is not a Chromium or Chrome/);
		} finally {
			if (saved === undefined) delete process.env.PREFINERY_CHROMIUM;
			else process.env.PREFINERY_CHROMIUM = saved;
		}
	});

	it('CHROME_BIN (what GitHub\'s Ubuntu runner images set) is looked at before the usual paths', async () => {
		const saved = { bin: process.env.CHROME_BIN, explicit: process.env.PREFINERY_CHROMIUM };
		try {
			delete process.env.PREFINERY_CHROMIUM;
			process.env.CHROME_BIN = chrome;
			assert.equal(await ensureChromium(), chrome);
		} finally {
			for (const [key, value] of [['CHROME_BIN', saved.bin], ['PREFINERY_CHROMIUM', saved.explicit]]) {
				if (value === undefined) delete process.env[key];
				else process.env[key] = value;
			}
		}
	});
});
