// The harness's own pieces, checked before any page relies on them: TOTP against RFC 6238's
// published vectors, the GBK encoder against the platform's decoder, and the terminal shell as a
// phone whose fingerprint words match what the gateway lists for its administrator.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway, Phone, base32Decode, gbk, totpAt } from './harness.mjs';

describe('harness', () => {
  it('computes RFC 6238 TOTP codes (SHA-1 vectors, last six digits)', () => {
    // RFC 6238 appendix B: the secret is ASCII "12345678901234567890".
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    assert.equal(base32Decode(secret).toString('ascii'), '12345678901234567890');
    const vectors = [
      [59, '287082'],
      [1111111109, '081804'],
      [1111111111, '050471'],
      [1234567890, '005924'],
      [2000000000, '279037'],
    ];
    for (const [seconds, code] of vectors) assert.equal(totpAt(secret, Math.floor(seconds / 30)), code);
  });

  it('encodes Chinese text in GBK as a spreadsheet exports it', () => {
    const text = '姓名,处室,办公电话\n王建国,办公室,0351-1234567\n';
    const bytes = gbk(text);
    assert.notDeepEqual(bytes, Buffer.from(text, 'utf8'));
    assert.equal(new TextDecoder('gbk').decode(bytes), text);
  });

  describe('the terminal shell as a phone', () => {
    let gateway;
    let unit;
    before(async () => {
      gateway = await Gateway.start();
      unit = await gateway.createUnit({ id: 'unit-harness', name: '测试厅办公室', organ: '测办', accounts: false });
    });
    after(async () => gateway?.stop());

    it('activates and waits for approval with the words the administrator sees', async () => {
      const phone = new Phone(gateway, unit.leader);
      await phone.activate({ needsApproval: true });
      const words = await phone.fingerprintWords();
      assert.equal(words.length, 6);
      assert.equal(await phone.pending(), true);
      const listing = await gateway.cli('devices', '--unit', unit.id);
      assert.match(listing, new RegExp(`pending ${unit.leader.login} .*${words.join(' ')}`));
    });
  });
});
