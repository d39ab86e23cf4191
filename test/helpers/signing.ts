/**
 * Test-side signing, written independently of lib/signature.ts: HMAC-SHA256 keyed with the secret
 * over `${t}.` followed by the raw body bytes, lowercase hex.
 */
import { createHmac } from 'crypto';

export function hmacHex(secret: string, timestamp: number | string, rawBody: Buffer): string {
	return createHmac('sha256', secret)
		.update(Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), rawBody]))
		.digest('hex');
}

export function signedHeader(secret: string, timestamp: number, rawBody: Buffer): string {
	return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

export function bytes(value: unknown): Buffer {
	return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}

/** A fixed "now" for deterministic tests (2026-03-02T09:20:00Z). */
export const NOW = 1772443200;
