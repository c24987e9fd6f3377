// Every page of the menu, for a person holding every role: each opens, in Chinese and in English,
// without the browser refusing anything under the Content-Security-Policy and without a script
// error; a screenshot of each is saved for a reviewer.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway, launchBrowser, login, newPage, screenshot, submit } from './harness.mjs';

describe('every page of the menu', () => {
  let gateway;
  let browser;
  let page;
  const violations = [];

  before(async () => {
    gateway = await Gateway.start({ demo: true });
    const unit = await gateway.createUnit({ id: 'unit-kjt', name: '山西省科技厅办公室', organ: '晋科办' });
    await gateway.loadIncomingDefinition(unit);
    const everyone = await gateway.officePerson(unit, 'all', '全角色', ['administrator', 'registrar', 'drafter', 'secretary', 'auditor']);
    browser = await launchBrowser();
    page = await newPage(browser, gateway.url);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
    });
    await login(page, everyone.account);
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  const menu = async () =>
    page.locator('nav.menu a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));

  it('opens each page in Chinese with nothing refused', async () => {
    const paths = await menu();
    assert.ok(paths.length >= 8, `a menu for every role: ${paths.join(' ')}`);
    for (const path of paths) {
      const response = await page.goto(path);
      assert.equal(response.status(), 200, path);
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', path);
      assert.ok((await page.locator('main h1').innerText()).trim().length > 0, `${path} has a title`);
      const slug = path.replace(/^\/console\/?/, '').replace(/\W+/g, '-') || 'home';
      await screenshot(page, `50-page-${slug}`);
    }
    assert.deepEqual(violations, []);
    assert.deepEqual(page.errors, []);
  });

  it('opens each page in English too', async () => {
    await page.goto('/console/');
    await submit(page, '#lang-switch');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    for (const path of await menu()) {
      const response = await page.goto(path);
      assert.equal(response.status(), 200, path);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en', path);
      // The page's own title is English: no Han characters in it.
      assert.doesNotMatch(await page.locator('main h1').innerText(), /\p{Script=Han}/u, path);
    }
    await screenshot(page, '59-page-home-en');
    assert.deepEqual(violations, []);
    assert.deepEqual(page.errors, []);
  });
});
