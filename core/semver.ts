/** A version as [major, minor, patch]. */
type Version = [number, number, number];

function parse(text: string): Version | null {
  const match = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?(?:[-+].*)?$/.exec(text.trim());
  if (!match) return null;
  const part = (value: string | undefined) => (value === undefined || value === "x" || value === "*" ? -1 : Number(value));
  return [Number(match[1]), part(match[2]), part(match[3])];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Fills wildcard parts with 0 for comparisons. */
function floor(v: Version): Version {
  return [v[0], Math.max(v[1], 0), Math.max(v[2], 0)];
}

/** True when `range` is a version range this module understands: *, x, exact, ^, ~, >=, >, <=, <, or a space-separated intersection. */
export function isValidRange(range: string): boolean {
  return range.trim().split(/\s+/).every((term) => term === "*" || parse(term.replace(/^(\^|~|>=|<=|>|<|=)/, "")) !== null);
}

/** True when `version` (x.y.z) satisfies `range` (npm-style subset: ^1.2, ~1.2.3, >=1.0.0 <2, 1.x, *). */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  if (!v || v.includes(-1)) return false;
  return range.trim().split(/\s+/).every((term) => {
    if (term === "*" || term === "") return true;
    const op = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(term)!;
    const target = parse(op[2]);
    if (!target) return false;
    const base = floor(target);
    switch (op[1]) {
      case ">=": return compare(v, base) >= 0;
      case ">": return compare(v, base) > 0;
      case "<=": return compare(v, base) <= 0;
      case "<": return compare(v, base) < 0;
      case "^": {
        if (compare(v, base) < 0) return false;
        if (base[0] > 0 || target[1] < 0) return v[0] === base[0];
        if (base[1] > 0 || target[2] < 0) return v[0] === 0 && v[1] === base[1];
        return v[0] === 0 && v[1] === 0 && v[2] === base[2];
      }
      case "~":
        return compare(v, base) >= 0 && v[0] === base[0] && (target[1] < 0 || v[1] === base[1]);
      default:
        return v[0] === target[0] && (target[1] < 0 || v[1] === target[1]) && (target[2] < 0 || v[2] === target[2]);
    }
  });
}
