// An administrator's morning in the console: imports the address book a bureau exported from
// its spreadsheet (GBK CSV) with one bad row, sees the row named, fixes it and imports; approves
// the leader's new phone after comparing its fingerprint words; publishes a notice with a
// receipt form and sees from the roster who has read and replied — the leader's phone (the
// terminal shell) reads and answers it in between.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway, Phone, gbk, launchBrowser, login, newPage, screenshot, submit } from './harness.mjs';

describe('administrator: address book, devices, notices', () => {
  let gateway;
  let unit;
  let browser;
  let page;
  let phone;

  before(async () => {
    gateway = await Gateway.start();
    unit = await gateway.createUnit({ id: 'unit-nyt', name: '山西省农业厅办公室', organ: '晋农办' });
    browser = await launchBrowser();
    page = await newPage(browser, gateway.url);
    await login(page, unit.admin.account);
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  const upload = async (rows) => {
    const text = `登录名,姓名,职务,角色,处室,办公电话\n${rows.join('\n')}\n`;
    await page.setInputFiles('#import-file', { name: '通讯录.csv', mimeType: 'text/csv', buffer: gbk(text) });
    await submit(page, '#preview-button');
  };
  const count = async (id) => Number(await page.locator(`#${id}`).innerText());

  it('imports a GBK address book: the bad row is named, the fixed file goes in', async () => {
    await page.goto('/console/addressbook');
    const before = await count('people-count');
    await screenshot(page, '20-addressbook');

    const good = ['zhangjun,张军,副厅长,领导,厅领导,0351-4661001', 'wangfang,王芳,科员,工作人员,综合处,0351-4661003'];
    // Line 3 (the header is line 1): 处长 is a post, not one of the roles.
    await upload([good[0], 'lihua,李华,处长,处长,计划财务处,0351-4661002', good[1]]);
    assert.equal(await page.locator('#preview-source').getAttribute('data-source'), 'gb18030', 'read as GBK');
    assert.equal(await count('count-bad'), 1);
    const bad = page.locator('#bad-rows tr[data-line="3"] .why');
    assert.match(await bad.innerText(), /处长/, 'the reason quotes the row, decoded from GBK');
    assert.equal(await page.locator('#confirm-import').count(), 0, 'nothing can be imported while a row is bad');
    assert.ok(await page.locator('#import-refused').isVisible());
    await screenshot(page, '21-addressbook-bad-row');

    // The administrator fixes the row in the spreadsheet and uploads the file again.
    await upload([good[0], 'lihua,李华,处长,工作人员,计划财务处,0351-4661002', good[1]]);
    assert.equal(await count('count-bad'), 0);
    assert.equal(await count('count-new'), 3);
    assert.deepEqual(
      await page.locator('#new-rows tbody td.name').allInnerTexts(),
      ['张军', '李华', '王芳'],
    );
    await screenshot(page, '22-addressbook-preview');
    await submit(page, '#confirm-import');
    assert.match(await page.locator('#import-result').innerText(), /3/);

    await page.goto('/console/addressbook');
    assert.equal(await count('people-count'), before + 3);
    const people = await page.locator('#people tbody').innerText();
    for (const name of ['张军', '李华', '王芳']) assert.ok(people.includes(name), name);
  });

  it('approves a pending phone after comparing its fingerprint words', async () => {
    phone = new Phone(gateway, unit.leader);
    await phone.activate({ needsApproval: true });
    const words = (await phone.fingerprintWords()).join(' ');
    assert.equal(await phone.pending(), true);

    await page.goto('/console/admin/devices');
    const pending = page.locator('tr.device[data-state="pending"]');
    assert.equal(await pending.count(), 1);
    // The administrator reads the words on the phone and finds the same six on the page.
    const row = pending.filter({ has: page.locator('.fingerprint-words', { hasText: words }) });
    assert.equal(await row.count(), 1, `a pending row shows ${words}`);
    assert.equal((await row.locator('.fingerprint-words').innerText()).trim(), words);
    await screenshot(page, '23-devices-pending');

    page.acceptConfirms = true; // approving asks first (data-confirm)
    await submit(page, `#${await row.locator('button.approve').getAttribute('id')}`);
    page.acceptConfirms = false;
    assert.ok(page.dialogs.some((d) => d.type === 'confirm'), 'the browser asked before approving');
    assert.ok(await page.locator('p.notice').isVisible());
    assert.equal(await page.locator('tr.device[data-state="pending"]').count(), 0);
    assert.equal(await page.locator('tr.device[data-state="active"]').count(), 1);
    await screenshot(page, '24-devices-approved');
    assert.equal(await phone.pending(), false, 'the phone learns it was approved');
  });

  it('publishes a notice with a receipt form and sees who has not read or replied', async () => {
    await page.goto('/console/notices/new');
    await page.fill('#notice-title', '关于召开春耕备耕工作会议的通知');
    await page.fill('#notice-body', '定于3月5日上午9时在厅三楼会议室召开春耕备耕工作会议，请准时参加。');
    await page.check('#receipt-required');
    await page.fill('#receipt-choices', '参加\n不参加');
    await screenshot(page, '25-notice-new');
    await submit(page, '#publish-button');
    const match = new URL(page.url()).pathname.match(/^\/console\/notices\/([^/]+)$/);
    assert.ok(match, `on the notice's roster: ${page.url()}`);
    const notice = decodeURIComponent(match[1]);
    const recipients = await count('count-recipients');
    assert.ok(recipients >= 7, 'the whole unit, with the people just imported');
    assert.equal(await count('count-unread'), recipients);
    assert.equal(await count('count-unreplied'), recipients);

    // The leader's phone gets it, opens it and answers 参加 with a note.
    await phone.sync();
    const readFrom = Date.now();
    await phone.run('notice', notice);
    await phone.run('reply', notice, '--choice', 'c1', '--note', '两人参加');
    await phone.sync();
    const readTo = Date.now();

    await page.reload();
    assert.equal(await count('count-unread'), recipients - 1);
    assert.equal(await count('count-unreplied'), recipients - 1);
    const leader = page.locator(`#roster tr[data-user="${unit.leader.userId}"]`);
    assert.equal(await leader.locator('td.reply').innerText(), '参加');
    assert.equal(await leader.locator('td.note').innerText(), '两人参加');
    // Shown in the deployment's zone (Asia/Shanghai), never in UTC.
    const shown = (await leader.locator('td.read-at').innerText()).trim();
    const inShanghai = (ms) => new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).format(new Date(ms));
    assert.ok(shown >= inShanghai(readFrom - 60_000) && shown <= inShanghai(readTo), `read at ${shown}, Shanghai time`);
    await screenshot(page, '26-notice-roster');

    // The same roster in English, then back in Chinese.
    const roster = page.url();
    await submit(page, '#lang-switch');
    await page.goto(roster);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.ok((await page.locator('#roster thead').innerText()).includes('Name'));
    await screenshot(page, '27-notice-roster-en');
    await submit(page, '#lang-switch');
    await page.goto(roster);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');

    // Who still owes an answer: everyone but the leader.
    await submit(page, '#filter-unreplied');
    const owing = await page.locator('#roster tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.user));
    assert.equal(owing.length, recipients - 1);
    assert.ok(!owing.includes(unit.leader.userId));
  });

  it('reads each change in the audit log under the administrator\'s name, and the chain verifies', async () => {
    await page.goto('/console/audit');
    const rows = page.locator('main table.list tbody tr');
    const mine = await rows.filter({ hasText: unit.admin.name }).count();
    assert.ok(mine >= 3, `the import, the approval and the notice are ${unit.admin.name}'s (${mine} rows)`);
    await screenshot(page, '28-audit-log');
    await submit(page, 'form[action="/console/audit/verify"] button');
    const head = (await page.locator('#audit-head').innerText()).trim();
    assert.match(head, /^[A-Za-z0-9+/]{43}=$/, 'a SHA-256 hash');
    // The page's head is the one the command line computes from the same chain.
    assert.ok((await gateway.cli('verify-audit')).includes(head));
    await screenshot(page, '29-audit-verified');
  });
});
