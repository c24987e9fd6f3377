// 公文交换 between two units of one gateway, as their people do it in Chromium: unit A's drafter
// drafts two 发文 with a PDF body, starts their flows and sends both to unit B; B's registrar
// logs in with TOTP, finds them waiting (home page and exchange inbox), signs for the first
// (签收), registers it as a 收文 with B's 收文办理 — its flow starts, running — and returns the
// second with a reason carrying markup; A's drafter reads the receipts in the outbox: the first
// 已登记 by B's registrar, the second 已退回 with the reason shown as text.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway, launchBrowser, login, newPage, onePagePdf, screenshot, submit } from './harness.mjs';

const FIRST = { title: '关于做好春耕备耕工作的通知', sequence: '21' };
const SECOND = { title: '关于报送一季度统计数据的通知', sequence: '22' };
const REASON = '非本单位职责<b>请转农业厅</b>';

/** No dialog opened, no script error, no inline script on `page`. */
async function clean(page, where) {
  assert.deepEqual(page.dialogs, [], `${where}: no dialog opened`);
  assert.deepEqual(page.errors, [], `${where}: no script error`);
  assert.equal(await page.locator('script:not([src])').count(), 0, `${where}: no inline script`);
}

describe('公文交换: one unit sends, another signs for, registers and returns', () => {
  let gateway;
  let sender;
  let receiver;
  let drafter;
  let registrar;
  let definition;
  let browser;
  let drafterPage;
  let registrarPage;
  let instance;
  // The year the draft form offers (the gateway's time zone), in every 文号 below.
  let year;

  before(async () => {
    gateway = await Gateway.start();
    sender = await gateway.createUnit({ id: 'unit-nyt', name: '山西省农业厅办公室', organ: '晋农办' });
    receiver = await gateway.createUnit({ id: 'unit-dts', name: '大同市农业农村局办公室', organ: '同农办' });
    // A's drafts follow A's 收文办理 (any process of the unit starts a 发文's flow).
    await gateway.loadIncomingDefinition(sender);
    definition = await gateway.loadIncomingDefinition(receiver);
    drafter = await gateway.officePerson(sender, 'drafter', '陈拟稿', ['drafter']);
    registrar = await gateway.officePerson(receiver, 'shouwen', '周收文', ['registrar']);
    browser = await launchBrowser();
    drafterPage = await newPage(browser, gateway.url);
    registrarPage = await newPage(browser, gateway.url);
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  const outboxRow = (title) => drafterPage.locator('#exchange-outbox tbody tr').filter({ hasText: title });
  const inboxRow = (title) => registrarPage.locator('#exchange-inbox tbody tr').filter({ hasText: title });

  it('drafts two 发文 with a PDF body in unit A and starts their flows', async () => {
    const page = drafterPage;
    await login(page, drafter.account);
    for (const { title, sequence } of [FIRST, SECOND]) {
      await page.goto('/console/drafts/new');
      await page.fill('#title', title);
      assert.equal(await page.locator('#organ').inputValue(), sender.organ, 'the unit\'s organ code is offered');
      year = await page.locator('#year').inputValue();
      await page.fill('#sequence', sequence);
      await page.fill('#recipients', '各市农业农村局');
      await page.setInputFiles('#body', {
        name: '正文.pdf', mimeType: 'application/pdf', buffer: onePagePdf(`Jin Nong Ban ${year} No. ${sequence}`),
      });
      await submit(page, 'form[action="/console/drafts/new"] button[type="submit"]');
      assert.match(new URL(page.url()).pathname, /^\/console\/drafts\/[^/]+$/, `the draft's page: ${page.url()}`);
      assert.equal(await page.locator('#versions tbody tr').count(), 1, 'the body is its first version');
      await page.selectOption('#definition', `def-incoming-${sender.id}`);
      await submit(page, '#start');
    }
    const started = await page.locator('#drafts tbody tr').filter({ hasText: FIRST.title }).locator('a.badge.ok').count();
    assert.equal(started, 1, 'the first draft shows as started');
    await clean(page, 'the drafts');
  });

  it('sends both to unit B from the send form; the outbox shows them awaiting signature', async () => {
    const page = drafterPage;
    await page.goto('/console/exchange');
    assert.equal(await page.locator('#exchange-inbox').count(), 0, 'a drafter has no inbox');
    await submit(page, 'a.button[href="/console/exchange/send"]');
    assert.equal(new URL(page.url()).pathname, '/console/exchange/send');
    const offeredUnits = await page.locator('#exchange-send input[name="to"]').evaluateAll((inputs) => inputs.map((i) => i.value));
    assert.deepEqual(offeredUnits, [receiver.id], 'the other unit, not the sender\'s own');
    await screenshot(page, '60-exchange-send-form');

    for (const { title, sequence } of [FIRST, SECOND]) {
      await page.goto('/console/exchange/send');
      const option = page.locator('#document option').filter({ hasText: title });
      assert.equal(await option.count(), 1, `${title} is offered`);
      assert.match(await option.innerText(), new RegExp(`${sender.organ}〔${year}〕${sequence}号`), 'with its 文号');
      await page.selectOption('#document', await option.getAttribute('value'));
      await page.check(`#exchange-send input[name="to"][value="${receiver.id}"]`);
      await submit(page, '#exchange-send button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/console/exchange');
      assert.match(await page.locator('main p.notice').innerText(), /已分发/);
    }
    for (const { title } of [FIRST, SECOND]) {
      const row = outboxRow(title);
      assert.equal(await row.count(), 1, `${title} is in the outbox once`);
      assert.match(await row.innerText(), new RegExp(receiver.name), 'to the receiving unit');
      assert.equal(await row.locator('[data-state]').getAttribute('data-state'), 'sent');
      assert.equal(await row.locator('[data-state]').innerText(), '待签收');
    }
    await clean(page, 'the outbox');
    await screenshot(page, '61-exchange-outbox-sent');
  });

  it('lets B\'s registrar sign for the first and register it; its flow runs', async () => {
    const page = registrarPage;
    await login(page, registrar.account);
    await page.goto('/console/');
    assert.equal(await page.locator('#count-unsigned').innerText(), '2', 'two waiting on the home page');
    await submit(page, 'nav.menu a[href="/console/exchange"]');
    for (const { title } of [FIRST, SECOND]) {
      const row = inboxRow(title);
      assert.equal(await row.count(), 1, `${title} is in B's inbox`);
      assert.match(await row.innerText(), new RegExp(sender.name), 'the sending unit is named');
      assert.match(await row.innerText(), /陈拟稿/, 'and who sent it');
      assert.equal(await row.locator('[data-state]').getAttribute('data-state'), 'sent');
    }
    assert.equal(await page.locator('#exchange-outbox').count(), 0, 'a registrar has no outbox');
    await clean(page, 'the inbox');
    await screenshot(page, '62-exchange-inbox');

    await submit(page, `${await rowSelector(inboxRow(FIRST.title))} button.receive`);
    assert.match(await page.locator('main p.notice').innerText(), /已签收/);
    const signed = inboxRow(FIRST.title);
    assert.equal(await signed.locator('[data-state]').getAttribute('data-state'), 'received');
    assert.equal(await signed.locator('[data-state]').innerText(), '已签收');
    assert.match(await signed.innerText(), /周收文/, 'the receipt names who signed');
    await screenshot(page, '63-exchange-signed');

    await signed.locator('select[name="definition"]').selectOption(definition);
    await submit(page, `${await rowSelector(signed)} button.register`);
    const path = new URL(page.url()).pathname;
    assert.match(path, /^\/console\/flows\/[^/]+$/, `on to the flow: ${page.url()}`);
    instance = decodeURIComponent(path.split('/').pop());
    assert.match(await page.locator('main p.notice').innerText(), /已登记为收文并启动流程/);
    assert.equal(await page.locator('#flow-title').innerText(), FIRST.title);
    assert.equal(await page.locator('#flow-state').getAttribute('data-state'), 'running');
    // A 收文 from A, waiting at 领导批示 on the leader the process suggests.
    const head = await page.locator('#flow-head').innerText();
    assert.match(head, new RegExp(`来文单位\\s+${sender.name}`), head);
    assert.match(head, new RegExp(`${sender.organ}〔${year}〕${FIRST.sequence}号`), head);
    assert.match(head, /当前环节\s+领导批示/, head);
    assert.match(head, new RegExp(`办理人\\s+${receiver.leader.name}`), head);
    await clean(page, 'the registered flow');
    await screenshot(page, '64-exchange-registered-flow');

    await page.goto('/console/flows');
    const flow = page.locator('#flow-list tr.flow').filter({ hasText: FIRST.title });
    assert.equal(await flow.count(), 1, 'the 收文 is among B\'s flows');
    assert.equal(await flow.getAttribute('data-instance'), instance);

    await page.goto('/console/exchange');
    const registered = inboxRow(FIRST.title);
    assert.equal(await registered.locator('[data-state]').getAttribute('data-state'), 'registered');
    assert.equal(await registered.locator('a').getAttribute('href'), `/console/flows/${instance}`);
  });

  it('lets B\'s registrar return the second with a reason', async () => {
    const page = registrarPage;
    const row = inboxRow(SECOND.title);
    assert.equal(await row.locator('input[name="reason"]').getAttribute('required'), '', 'a return needs a reason');
    await row.locator('input[name="reason"]').fill(REASON);
    // The return button asks first (data-confirm); the registrar confirms.
    page.acceptConfirms = true;
    await submit(page, `${await rowSelector(row)} button.danger`);
    page.acceptConfirms = false;
    assert.deepEqual(page.dialogs.map((d) => d.type), ['confirm'], 'one confirmation asked');
    page.dialogs.length = 0;
    assert.match(await page.locator('main p.notice').innerText(), /已退回/);
    const returned = inboxRow(SECOND.title);
    assert.equal(await returned.locator('[data-state]').getAttribute('data-state'), 'returned');
    await clean(page, 'the inbox after the return');
    await screenshot(page, '65-exchange-returned');
  });

  it('shows A\'s drafter the receipts: registered, and returned with the reason as text', async () => {
    const page = drafterPage;
    await page.goto('/console/exchange');
    const registered = outboxRow(FIRST.title);
    assert.equal(await registered.locator('[data-state]').getAttribute('data-state'), 'registered');
    assert.equal(await registered.locator('[data-state]').innerText(), '已登记');
    assert.match(await registered.innerText(), /周收文/, 'registered by B\'s registrar');

    const returned = outboxRow(SECOND.title);
    assert.equal(await returned.locator('[data-state]').getAttribute('data-state'), 'returned');
    assert.equal(await returned.locator('[data-state]').innerText(), '已退回');
    assert.equal(await returned.locator('.muted').filter({ hasText: '退回理由' }).innerText(), `退回理由: ${REASON}`);
    assert.equal(await page.locator('#exchange-outbox b').count(), 0, 'the reason\'s markup is text');
    await clean(page, 'the outbox with receipts');
    await screenshot(page, '66-exchange-outbox-receipts');

    // B's 收文 is B's: A's drafter cannot open its flow.
    assert.equal((await page.request.get(`/console/flows/${encodeURIComponent(instance)}`)).status(), 404);
  });
});

/** A CSS selector for the row `row` (by its data-item), so `submit` can click inside it. */
async function rowSelector(row) {
  const item = await row.getAttribute('data-item');
  assert.ok(item, 'the row names its item');
  return `tr[data-item="${item}"]`;
}
