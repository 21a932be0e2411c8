// The webhook signature, on Stripe's scheme: `Parley-Signature: t=<unix seconds>,v1=<hex>` where
// v1 is the HMAC-SHA256, keyed with the shared secret, of `<t>.<body>`. The time is signed so a
// receiver can refuse replays of old deliveries (compare t with its clock).
import { createHmac, timingSafeEqual } from "node:crypto";

/** The header that carries the signature. */
export const SIGNATURE_HEADER = "Parley-Signature";

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The signature header's value for `body` sent at `timestamp` (unix seconds). */
export function signPayload(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * True when `header` carries a v1 signature of `body` by `secret` made within `toleranceSeconds`
 * of `now` (unix seconds): what a receiver checks.
 */
export function verifySignature(secret: string, body: string, header: string, now: number, toleranceSeconds = 300): boolean {
  const fields = header.split(",").map((part) => part.trim().split("=", 2) as [string, string?]);
  const timestamp = Number(fields.find(([key]) => key === "t")?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), "hex");
  return fields.some(([key, value]) => {
    if (key !== "v1" || !value || !/^[0-9a-f]{64}$/.test(value)) return false;
    return timingSafeEqual(expected, Buffer.from(value, "hex"));
  });
}
