// Text people typed is shown as text: a drafter's 发文 whose title carries markup and script, and
// the leader's 批示 from his phone (the terminal shell) carrying the same, appear literally in
// the lists, the flow page and the flow record, with no element injected, no script run and no
// dialog opened. Another unit's flow (the demo unit's, on the same gateway) is not found, by
// page, file or action.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway, Phone, launchBrowser, login, newPage, onePagePdf, screenshot, submit } from './harness.mjs';

// Each would open a dialog or add an element if the page took it as markup.
const TITLE = '关于<img src=x onerror=alert(1)>"><script>alert(2)</script>春耕的请示';
const OPINION = '同意。<script>alert(3)</script><img src=x onerror=alert(4)><b>加粗</b>';

/** Nothing of `text` was taken as markup on `page`. */
async function onlyText(page, where) {
  assert.deepEqual(page.dialogs, [], `${where}: no dialog opened`);
  assert.deepEqual(page.errors, [], `${where}: no script error`);
  assert.equal(await page.locator('img[src="x"], b').count(), 0, `${where}: no element injected`);
  const inline = await page.locator('script:not([src])').count();
  assert.equal(inline, 0, `${where}: no inline script`);
}

describe('flows: typed text stays text, another unit\'s flow is not found', () => {
  let gateway;
  let unit;
  let browser;
  let page;
  let drafter;
  let phone;
  let instance;

  before(async () => {
    // --demo adds 山西省农业厅办公室 with its flow inst-2026-0012: another unit on this gateway.
    gateway = await Gateway.start({ demo: true });
    unit = await gateway.createUnit({ id: 'unit-jyt', name: '山西省教育厅办公室', organ: '晋教办' });
    await gateway.loadIncomingDefinition(unit);
    drafter = await gateway.officePerson(unit, 'drafter', '陈拟稿', ['drafter']);
    phone = new Phone(gateway, unit.leader);
    await phone.activate();
    browser = await launchBrowser();
    page = await newPage(browser, gateway.url);
    await login(page, drafter.account);
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('shows a 发文 title with markup as text, in the draft and the flow lists', async () => {
    await page.goto('/console/drafts/new');
    await page.fill('#title', TITLE);
    await page.fill('#organ', '晋教办');
    await page.fill('#sequence', '7');
    await page.fill('#recipients', '各市教育局');
    await page.setInputFiles('#body', { name: '正文.pdf', mimeType: 'application/pdf', buffer: onePagePdf('Jin Jiao Ban 2026 No. 7') });
    await submit(page, 'form[action="/console/drafts/new"] button[type="submit"]');
    assert.match(new URL(page.url()).pathname, /^\/console\/drafts\/[^/]+$/, `the draft's page: ${page.url()}`);
    assert.equal(await page.locator('main h1').innerText(), TITLE);
    await onlyText(page, 'the draft');
    await page.selectOption('#definition', `def-incoming-${unit.id}`);
    await submit(page, '#start');

    await page.goto('/console/flows');
    const row = page.locator('#flow-list tr.flow').filter({ hasText: '春耕的请示' });
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('a.flow-title').innerText(), TITLE);
    instance = await row.getAttribute('data-instance');
    await onlyText(page, 'the flow list');
    await screenshot(page, '40-flows-list');
  });

  it('shows the leader\'s opinion with markup as text in the flow record', async () => {
    await phone.sync();
    const task = (await phone.inbox()).find((t) => t.title === TITLE);
    assert.ok(task, 'the leader\'s phone lists the 发文 under its exact title');
    await phone.approve(task.taskId, OPINION);
    await phone.sync();

    await page.goto(`/console/flows/${encodeURIComponent(instance)}`);
    assert.equal(await page.locator('#flow-title').innerText(), TITLE);
    const opinions = await page.locator('#flow-record-table .opinion-text').allInnerTexts();
    assert.ok(opinions.includes(OPINION), `the opinion as typed: ${JSON.stringify(opinions)}`);
    await onlyText(page, 'the flow record');
    await screenshot(page, '41-flow-record-escaped');
  });

  it('answers another unit\'s flow, its files and its actions as not found', async () => {
    const own = await page.request.get(`/console/flows/${encodeURIComponent(instance)}`);
    assert.equal(own.status(), 200, 'the unit\'s own flow opens');
    const foreign = '/console/flows/inst-2026-0012';
    assert.equal((await page.request.get(foreign)).status(), 404);
    const sha = 'a'.repeat(64);
    assert.equal((await page.request.get(`${foreign}/files/${sha}`)).status(), 404);
    await page.goto('/console/flows');
    const token = await page.locator('form[action="/console/logout"] input[name="_csrf"]').inputValue();
    for (const action of ['urge', 'terminate']) {
      const response = await page.request.post(`${foreign}/${action}`, {
        form: { _csrf: token, version: '1', reason: '测试' }, maxRedirects: 0, failOnStatusCode: false,
      });
      assert.equal(response.status(), 404, action);
    }
    const listed = await page.locator('#flow-list').innerText().catch(() => '');
    assert.ok(!listed.includes('春耕备耕工作的通知'), 'the demo unit\'s flow is not listed here');

    // The flow is there for its own unit: the demo unit's 李晓梅 opens it.
    const theirs = await newPage(browser, gateway.url);
    await login(theirs, await gateway.officeAccount('unit-sxnyt', 'user-li', ['drafter']));
    const response = await theirs.goto(foreign);
    assert.equal(response.status(), 200);
    assert.match(await theirs.locator('#flow-title').innerText(), /春耕备耕/);
    await theirs.context().close();
  });
});
