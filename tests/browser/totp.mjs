// TOTP codes as an authenticator app makes them (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits),
// for logging in to the console.

import { createHmac } from 'node:crypto';

/** Decodes RFC 4648 base32 (spaces, dashes and padding ignored). */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of clean) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The TOTP code of `secret` (base32) for time step `step`. */
export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

export const totpStep = (ms = Date.now()) => Math.floor(ms / 1000 / 30);

/**
 * A code for `account` that it has not used yet: the gateway takes a code once, and one step
 * early or late for clock drift, so a second login within the same 30 s uses the next step's
 * code, and only a third waits for the clock.
 */
export async function freshTotp(account) {
  let step = Math.max(totpStep(), account.lastStep + 1);
  while (step > totpStep() + 1) {
    await new Promise((resolve) => setTimeout(resolve, (step - 1) * 30_000 - Date.now() + 100));
  }
  account.lastStep = step;
  return totpAt(account.secret, step);
}

/** A six-digit code that no step the gateway would accept now matches. */
export function wrongTotp(account) {
  const now = totpStep();
  const valid = new Set([now - 1, now, now + 1, now + 2].map((step) => totpAt(account.secret, step)));
  return ['000000', '111111', '222222'].find((code) => !valid.has(code));
}
