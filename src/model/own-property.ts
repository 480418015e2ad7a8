/**
 * Objects keyed by what users send (trait names, group types, property names). `obj[key] = value` with the key
 * `__proto__` replaces the object's prototype instead of storing data, and `obj[key]` reads inherited members such
 * as `toString`; these helpers store and read own data properties only.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function getOwn<T>(target: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}
