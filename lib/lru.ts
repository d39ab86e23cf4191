/**
 * Least-recently-used order on a plain `Map` (which keeps insertion order): the bounded in-process
 * memories (duplicate ids, kept secrets, rejection counts) share these two steps. Pure module.
 */

/** Stores `value` under `key` as the most recently used entry. */
export function touch<K, V>(map: Map<K, V>, key: K, value: V): void {
	map.delete(key);
	map.set(key, value);
}

/** Drops the least recently used entries until at most `max` remain; `onDrop` sees each one dropped. */
export function trimOldest<K, V>(map: Map<K, V>, max: number, onDrop?: (key: K, value: V) => void): void {
	while (map.size > max) {
		const [key, value] = map.entries().next().value as [K, V];
		map.delete(key);
		onDrop?.(key, value);
	}
}
