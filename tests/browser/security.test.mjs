// The login with TOTP and the console's defences, tried in a real browser: enrolment on the first
// login and a code on the next, the Content-Security-Policy and the other headers, CSRF tokens,
// session fixation, a role the person lacks, and another unit's ids in URLs.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Gateway, Phone, SESSION_COOKIE, codeStep, cookie, launchBrowser, login, newPage, passwordStep,
  plantSession, screenshot, submit, wrongTotp,
} from './harness.mjs';

describe('login and security', () => {
  let gateway;
  let unit;
  let other;
  let browser;

  before(async () => {
    gateway = await Gateway.start();
    unit = await gateway.createUnit({ id: 'unit-a', name: '甲厅办公室', organ: '甲办' });
    other = await gateway.createUnit({ id: 'unit-b', name: '乙厅办公室', organ: '乙办' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('logs in with the password and TOTP enrolment, then with a code, and refuses a wrong code', async () => {
    const account = unit.registrar.account;
    const page = await newPage(browser, gateway.url);
    await page.goto('/console/');
    assert.match(new URL(page.url()).pathname, /^\/console\/login/, 'no session: the login page');
    await screenshot(page, '01-login');

    await passwordStep(page, account);
    // First login: the secret to enrol, as text and as an otpauth URI for the phone's app.
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    assert.ok((await page.locator('#totp-uri').innerText()).includes(`secret=${secret}`));
    await screenshot(page, '02-totp-enrolment');
    await codeStep(page, account);
    assert.equal(new URL(page.url()).pathname, '/console/');
    assert.equal(await page.locator('#who-name').innerText(), unit.registrar.name);
    assert.deepEqual(await page.locator('#roles li').evaluateAll((items) => items.map((li) => li.dataset.role)), ['registrar']);
    await screenshot(page, '03-home-registrar');

    // The next login asks for a code only; a wrong one is refused on the page.
    const again = await newPage(browser, gateway.url);
    await passwordStep(again, account);
    assert.equal(await again.locator('#totp-secret').count(), 0, 'the secret is shown once');
    await again.fill('#code', wrongTotp(account));
    await submit(again, '#code-submit');
    assert.match(new URL(again.url()).pathname, /^\/console\/login/);
    assert.ok((await again.locator('#login-error').innerText()).length > 0);
    await codeStep(again, account);
    assert.equal(new URL(again.url()).pathname, '/console/');
    await again.context().close();
    await page.context().close();
  });

  it('refuses a wrong password without saying whether the login exists', async () => {
    const page = await newPage(browser, gateway.url);
    const tryLogin = async (name, password) => {
      await page.goto('/console/login');
      await page.fill('#login', name);
      await page.fill('#password', password);
      await submit(page, '#login-submit');
      assert.match(new URL(page.url()).pathname, /^\/console\/login$/);
      return page.locator('#login-error').innerText();
    };
    const wrongPassword = await tryLogin(unit.admin.account.login, 'not-the-password');
    const noSuchLogin = await tryLogin('nobody-here', 'not-the-password');
    assert.equal(wrongPassword, noSuchLogin);
    await page.context().close();
  });

  it('locks an account after five wrong passwords in a row, until a time shown in Beijing time', async () => {
    const { account } = await gateway.officePerson(unit, 'locked', '冯科员', ['auditor']);
    const page = await newPage(browser, gateway.url);
    const attempt = async (password) => {
      await page.goto('/console/login');
      await page.fill('#login', account.login);
      await page.fill('#password', password);
      await submit(page, '#login-submit');
      return page.locator('#login-error').innerText().catch(() => '');
    };
    for (let i = 0; i < 5; i += 1) await attempt('wrong-password');
    const started = Date.now();
    // Now even the right password is refused, saying until when.
    const refusal = await attempt(account.password);
    assert.match(new URL(page.url()).pathname, /^\/console\/login$/);
    const until = refusal.match(/(\d{4}-\d{2}-\d{2} \d{2}:\d{2})/);
    assert.ok(until, `the refusal names the time: ${refusal}`);
    const shanghai = (ms) => new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).format(new Date(ms));
    // 15 minutes from the last failure, in the deployment's zone.
    assert.ok(until[1] >= shanghai(started + 13 * 60_000) && until[1] <= shanghai(Date.now() + 16 * 60_000), until[1]);
    await page.context().close();
  });

  it('serves every page with a strict Content-Security-Policy and no framing', async () => {
    const page = await newPage(browser, gateway.url);
    for (const path of ['/console/login', '/console/no-such-page']) {
      const response = await page.goto(path);
      const headers = response.headers();
      const policy = Object.fromEntries(
        headers['content-security-policy'].split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]),
      );
      assert.deepEqual(policy['default-src'], ["'none'"], path);
      assert.deepEqual(policy['script-src'], ["'self'"], `${path}: no inline or eval'd script`);
      assert.deepEqual(policy['style-src'], ["'self'"], `${path}: no inline style`);
      assert.deepEqual(policy['frame-ancestors'], ["'none'"], path);
      assert.deepEqual(policy['object-src'], ["'none'"], path);
      assert.deepEqual(policy['base-uri'], ["'none'"], path);
      assert.deepEqual(policy['form-action'], ["'self'"], path);
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.equal(headers['x-frame-options'], 'DENY');
    }
    // No page of ours needs anything the policy forbids: the browser reports no violation.
    const violations = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await login(page, unit.admin.account);
    await page.goto('/console/');
    assert.deepEqual(violations, []);
    const session = await cookie(page, SESSION_COOKIE);
    assert.ok(session.httpOnly, 'the session cookie is out of scripts\' reach');
    assert.equal(session.sameSite, 'Strict');
    assert.ok(session.secure);
    await page.context().close();
  });

  it('refuses a POST without, or with a wrong, CSRF token', async () => {
    const page = await newPage(browser, gateway.url);
    await login(page, (await gateway.officePerson(unit, 'csrf', '钱科员', ['drafter'])).account);
    const token = await page.locator('form[action="/console/logout"] input[name="_csrf"]').inputValue();
    assert.ok(token.length >= 16);
    const post = (form, headers = {}) =>
      page.request.post('/console/logout', { form, headers, maxRedirects: 0, failOnStatusCode: false });
    const alive = async () => (await page.request.get('/console/', { maxRedirects: 0 })).status() === 200;

    assert.equal((await post({})).status(), 403, 'no token');
    assert.equal(await alive(), true);
    assert.equal((await post({ _csrf: `${token.slice(0, -2)}xx` })).status(), 403, 'a wrong token');
    assert.equal(await alive(), true);
    assert.equal((await post({ _csrf: token }, { 'sec-fetch-site': 'cross-site' })).status(), 403, 'from another site');
    assert.equal(await alive(), true, 'every refused POST left the session as it was');

    // A multipart form (a draft with its body file) is held to the same token, read first.
    const draft = (fields) =>
      page.request.post('/console/drafts/new', {
        multipart: { ...fields, title: '无令牌的草稿', organ: '甲办', year: '2026', sequence: '1', urgency: 'normal', secrecy: 'none' },
        maxRedirects: 0,
        failOnStatusCode: false,
      });
    assert.equal((await draft({})).status(), 403, 'a multipart form without a token');
    assert.equal((await draft({ _csrf: 'not-the-token' })).status(), 403, 'a multipart form with a wrong token');
    await page.goto('/console/drafts');
    assert.ok(!(await page.locator('main').innerText()).includes('无令牌的草稿'), 'no draft was made');

    // The same form with its own token does what it says: the test can tell the difference.
    const done = await post({ _csrf: token });
    assert.equal(done.status(), 303);
    assert.equal(await alive(), false);
    await page.context().close();
  });

  it('gives a new session at each login step and ends the old ones (no session fixation)', async () => {
    // An attacker's cookie planted before login is not the one the victim ends up with.
    const page = await newPage(browser, gateway.url);
    const planted = 'planted-by-an-attacker-0123456789abcdef';
    await plantSession(page.context(), gateway.url, planted);
    const { account } = await gateway.officePerson(unit, 'fixation', '周科员', ['auditor']);
    await passwordStep(page, account);
    const pending = (await cookie(page, SESSION_COOKIE)).value;
    assert.notEqual(pending, planted);
    await codeStep(page, account);
    const session = (await cookie(page, SESSION_COOKIE)).value;
    assert.notEqual(session, pending, 'the second step gives a new id');
    assert.notEqual(session, planted);

    // Whoever holds the pending id learns nothing: it is dead, and so is the planted one.
    const thief = await newPage(browser, gateway.url);
    const as = async (value) => {
      await thief.context().clearCookies();
      await plantSession(thief.context(), gateway.url, value);
      return (await thief.request.get('/console/', { maxRedirects: 0 })).status();
    };
    assert.equal(await as(pending), 303);
    assert.equal(await as(planted), 303);
    assert.equal(await as(session), 200, 'the logged-in id itself works');

    // After logout the id is dead too, even replayed by someone who copied it.
    await submit(page, '#logout');
    assert.match(new URL(page.url()).pathname, /^\/console\/login/);
    assert.equal(await as(session), 303);
    await thief.context().close();
    await page.context().close();
  });

  it('forbids a page the person\'s roles do not allow', async () => {
    const page = await newPage(browser, gateway.url);
    await login(page, (await gateway.officePerson(unit, 'registrar2', '吴登记', ['registrar'])).account);
    const response = await page.goto('/console/admin/devices');
    assert.equal(response.status(), 403);
    await page.context().close();
  });

  it('answers another unit\'s device as not found and leaves it alone', async () => {
    const phone = new Phone(gateway, other.leader);
    await phone.activate({ needsApproval: true });
    const theirs = (await gateway.cli('devices', '--unit', other.id)).split(/\s+/)[0];
    assert.match(theirs, /^dev-/);

    const page = await newPage(browser, gateway.url);
    await login(page, (await gateway.officePerson(unit, 'admin2', '郑管理', ['administrator'])).account);
    await page.goto('/console/admin/devices');
    assert.equal(await page.locator(`#device-${theirs}`).count(), 0, 'not listed');
    const token = await page.locator('form[action="/console/logout"] input[name="_csrf"]').inputValue();
    for (const action of ['approve', 'revoke', 'wipe']) {
      const response = await page.request.post(`/console/admin/devices/${theirs}/${action}`, {
        form: { _csrf: token }, maxRedirects: 0, failOnStatusCode: false,
      });
      assert.equal(response.status(), 404, action);
    }
    assert.equal(await phone.pending(), true, 'still waiting for its own administrator');
    assert.match(await gateway.cli('devices', '--unit', other.id), / pending /);
    await page.context().close();
  });
});
