// TypeBox, through which plugins declare their options and events once (the TypeScript type is
// `Static<typeof schema>`, the schema object is what ajv and fast-json-stringify read), and the
// one helper it lacks for Parley's schemas.
import { type Static, type TSchema, type TUnsafe, Type } from "@sinclair/typebox";

export { type Static, type TSchema, Type };

/**
 * A string that is one of `values`, as `{ type: "string", enum: [...] }`: the plain form the event
 * serializers compile into one check, where TypeBox's union of literals would make them try each.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}
