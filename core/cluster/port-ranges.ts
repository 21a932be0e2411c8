// How the shards of one host share its port ranges: each gets a contiguous slice of whole RTP/RTCP
// pairs (an even port and the odd one after it), so no two shards ever bind the same port and a
// firewall rule for the whole range still covers them all.
import { ParleyError } from "../errors.ts";

/** A range of ports, both ends included. */
export interface PortRange {
  min: number;
  max: number;
}

/** Splits `range` into `shards` slices of whole even-aligned pairs, as equal as they can be; throws PARLEY_ERR_CONFIG when a shard would get none. */
export function splitPortRange(range: PortRange, shards: number, what = "RTP"): PortRange[] {
  const first = range.min + (range.min % 2);
  const pairs = Math.floor((range.max - first + 1) / 2);
  if (!Number.isInteger(shards) || shards < 1) throw new ParleyError("PARLEY_ERR_CONFIG", `the number of shards must be a whole number of at least 1, not ${shards}`);
  if (pairs < shards) {
    throw new ParleyError("PARLEY_ERR_CONFIG", `the ${what} port range ${range.min}-${range.max} holds ${pairs} port pairs, too few for ${shards} shards`);
  }
  return Array.from({ length: shards }, (_, shard) => {
    const from = Math.floor((shard * pairs) / shards);
    const to = Math.floor(((shard + 1) * pairs) / shards);
    return { min: first + 2 * from, max: first + 2 * to - 1 };
  });
}

/** A range as the configuration writes it: `min-max`. */
export const rangeText = ({ min, max }: PortRange): string => `${min}-${max}`;
