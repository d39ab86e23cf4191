/** Unit and node tests (TypeScript; hand-mocked n8n contexts and n8n-core's real WebhookContext). The real-n8n suite is `npm run test:e2e`. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	// n8n-core (node tests through its real WebhookContext) gets a throw-away user folder, never ~/.n8n.
	setupFilesAfterEnv: ['<rootDir>/test/setup-env.js'],
	// Every test runs with TZ=Pacific/Chatham (UTC+13:45), so nothing may depend on the server's zone.
	globalSetup: '<rootDir>/test/global-setup.js',
	testMatch: ['**/*.test.ts'],
	// A bound for a broken test, not a window: the simulated-day and large-waitlist tests are CPU work that
	// a busy 2-core machine can stretch well past jest's default 5 s (seen: the catch-up trigger's day).
	testTimeout: 60_000,
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
	},
	moduleFileExtensions: ['ts', 'js', 'json'],
};
