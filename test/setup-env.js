// Jest setup (plain JS, outside the linted TypeScript; `setupFilesAfterEnv`, so it runs before each
// test file is imported and can register an afterAll). n8n-core, used by the node tests through its
// real WebhookContext, keeps an encryption key and settings in the n8n user folder: point it at a
// throw-away folder so no test ever writes to ~/.n8n, with a fixed test key, and remove it afterwards.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const userFolder = mkdtempSync(join(tmpdir(), 'prefinery-jest-n8n-'));
process.env.N8N_USER_FOLDER = userFolder;
process.env.N8N_ENCRYPTION_KEY = 'prefinery-jest-only-encryption-key';
afterAll(() => rmSync(userFolder, { recursive: true, force: true }));
