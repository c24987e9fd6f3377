// The registrar → phone → registrar scenario: a registrar logs in with TOTP, registers a 收文 with
// a PDF body (after the form named a malformed 文号 under its field) and starts its flow; the
// leader's phone (the terminal shell) pulls it, opens the body and approves with an opinion; the
// registrar sees the opinion in the flow record. The title and opinion carry markup, shown as
// text; another unit's document and flow are not found.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Gateway, Phone, launchBrowser, login, newPage, onePagePdf, screenshot, submit } from './harness.mjs';

const TITLE = '关于做好2026年春季农业生产工作的通知<script>alert(1)</script>';
const OPINION = '同意，请赵主任牵头落实。<img src=x onerror=alert(2)>';
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

describe('registrar → leader\'s phone → registrar', () => {
  let gateway;
  let unit;
  let browser;
  let page;
  let phone;
  let definition;
  let flowPath;
  const body = onePagePdf('Jin Zheng Ban Fa 2026 No. 8: spring farming');
  const annex = onePagePdf('Annex: tasks by city');

  before(async () => {
    // --demo adds another unit (山西省农业厅办公室) with its own document and flow.
    gateway = await Gateway.start({ demo: true });
    unit = await gateway.createUnit({ id: 'unit-swt', name: '山西省商务厅办公室', organ: '晋商办' });
    definition = await gateway.loadIncomingDefinition(unit);
    phone = new Phone(gateway, unit.leader);
    await phone.activate();
    browser = await launchBrowser();
    page = await newPage(browser, gateway.url);
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('registers a 收文 with a PDF body and starts its flow', async () => {
    await login(page, unit.registrar.account);
    await submit(page, 'nav.menu a[href="/console/incoming"]');
    assert.equal(new URL(page.url()).pathname, '/console/incoming/new');
    await screenshot(page, '30-incoming-form');

    const fill = async (number) => {
      await page.fill('#incoming-from_organ', '山西省人民政府办公厅');
      await page.fill('#incoming-number', number);
      await page.fill('#incoming-title', TITLE);
      await page.selectOption('#incoming-urgency', 'urgent');
      await page.selectOption('#incoming-definition', definition);
      // 领导批示 is the registrar's to choose: its picker shows with the suggestion chosen.
      const leader = page.locator(`#incoming-handlers-${definition}-leader-instruction-1`);
      assert.ok(await leader.isVisible(), 'the handler picker of the chosen process');
      assert.equal(await leader.inputValue(), unit.leader.userId);
      await leader.selectOption(unit.leader.userId);
      await page.setInputFiles('#incoming-body_pdf', { name: '正文.pdf', mimeType: 'application/pdf', buffer: body });
      await page.setInputFiles('#incoming-attachments', { name: '附件1 任务分解表.pdf', mimeType: 'application/pdf', buffer: annex });
    };
    // A 文号 without its year in 〔〕 is named under its field; what was typed stays.
    await fill('晋政办发2026-8');
    await submit(page, '#incoming-submit');
    assert.ok(await page.locator('#incoming-errors').isVisible());
    assert.ok((await page.locator('#incoming-number-error').innerText()).length > 0);
    assert.equal(await page.locator('#incoming-title').inputValue(), TITLE);
    await screenshot(page, '31-incoming-field-error');

    await fill('晋政办发〔2026〕8号');
    await submit(page, '#incoming-submit');
    const path = new URL(page.url()).pathname;
    assert.match(path, /^\/console\/flows\/[^/]+$/, `on to the flow: ${page.url()}`);
    flowPath = path;
    assert.equal(await page.locator('#flow-title').innerText(), TITLE);
    assert.ok(await page.locator('main p.notice').isVisible(), 'registered and started');
    assert.equal(await page.locator('#flow-state').getAttribute('data-state'), 'running');
    assert.deepEqual(page.dialogs, []);
    assert.equal(await page.locator('script:not([src])').count(), 0);
    await screenshot(page, '32-incoming-started');
  });

  it('reaches the leader\'s phone, which opens the body and approves', async () => {
    await phone.sync();
    const task = (await phone.inbox()).find((t) => t.title === TITLE);
    assert.ok(task, 'the 收文 is in the leader\'s 待办');
    assert.equal(task.state, '待办');
    const opened = await phone.body(task.taskId);
    assert.equal(sha256(opened), sha256(body), 'the phone opens the very PDF the registrar uploaded');
    await phone.approve(task.taskId, OPINION);
    await phone.sync();
    const verdicts = await phone.run('verdicts');
    assert.match(verdicts, new RegExp(`ACCEPTED task ${task.taskId}`));
  });

  it('shows the registrar the leader\'s opinion in the flow record', async () => {
    await page.goto(flowPath);
    const entry = page.locator('#flow-record-table tr.entry').filter({ hasText: unit.leader.name });
    assert.equal(await entry.count(), 1);
    assert.equal(await entry.locator('.opinion-text').innerText(), OPINION);
    assert.ok((await entry.locator('td.attitude').innerText()).length > 0);
    assert.match(await entry.locator('td').last().innerText(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'the opinion\'s markup is text');
    assert.deepEqual(page.dialogs, []);
    await screenshot(page, '33-flow-record-opinion');

    await page.goto('/console/flows');
    const row = page.locator('#flow-list tr.flow').filter({ hasText: '春季农业生产' });
    assert.equal(await row.count(), 1);
    await screenshot(page, '34-flows-list');
  });

  it('answers another unit\'s document and flow as not found', async () => {
    for (const path of [
      '/console/documents/doc-2026-0012/body',
      '/console/documents/doc-2026-0012/attachments/doc-2026-0012-a1',
      '/console/flows/inst-2026-0012',
    ]) {
      assert.equal((await page.request.get(path)).status(), 404, path);
    }
    // They are there for their own unit: the demo unit's registrar opens the body.
    const theirs = await newPage(browser, gateway.url);
    await login(theirs, await gateway.officeAccount('unit-sxnyt', 'user-zhao', ['registrar']));
    const response = await theirs.request.get('/console/documents/doc-2026-0012/body');
    assert.equal(response.status(), 200);
    assert.equal((await response.body()).subarray(0, 5).toString('latin1'), '%PDF-');
    await theirs.context().close();
  });
});
