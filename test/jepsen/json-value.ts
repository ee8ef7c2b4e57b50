/**
 * The JSON values a history may carry, and a canonical text form used to compare them: two values
 * are the same register value, set element or list element exactly when their canonical texts are
 * equal. Object keys are sorted so that `{"a":1,"b":2}` and `{"b":2,"a":1}` compare equal.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

export function isJsonObject(value: JsonValue): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isJsonArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value);
  }
  if (isJsonArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`).join(',')}}`;
}

/**
 * Checks that a value produced by JSON.parse (or handed in by a caller) is JSON all the way down:
 * no undefined, functions, NaN, Infinity, bigints or class instances.
 */
export function asJsonValue(value: unknown): JsonValue | undefined {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value as readonly unknown[]) {
      const json = asJsonValue(item);
      if (json === undefined) return undefined;
      items.push(json);
    }
    return items;
  }
  if (typeof value === 'object') {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return undefined;
    const result: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      const json = asJsonValue(item);
      if (json === undefined) return undefined;
      result[key] = json;
    }
    return result;
  }
  return undefined;
}

/**
 * A cheap identity for list and set elements, for use as a Map key: numbers as themselves (no
 * allocation on the common path), strings and other values tagged so they cannot collide.
 * Two elements have the same key exactly when their canonical JSON texts are equal.
 */
export function elementKey(value: JsonValue): number | string {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return `s${value}`;
  return `j${canonicalJson(value)}`;
}
