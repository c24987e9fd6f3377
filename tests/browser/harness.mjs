// The browser tests' harness: a real gateway on loopback (SQLite in a temporary folder, or a
// fresh PostgreSQL database when QIANPI_BROWSER_POSTGRES names a server), its command line to
// create units, people and office accounts, TOTP codes (RFC 6238) to log in, Debian's Chromium
// driven by playwright-core, screenshots for a reviewer, and the terminal shell `qianpi` as the
// leader's phone.
//
// The pieces live beside it (run.mjs, totp.mjs, phone.mjs, files.mjs); tests import them all
// from here.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, gatewayBin, run, screenshotDir } from './run.mjs';
import { freshTotp } from './totp.mjs';

export { Phone } from './phone.mjs';
export { gbk, onePagePdf } from './files.mjs';
export { base32Decode, freshTotp, totpAt, totpStep, wrongTotp } from './totp.mjs';
export { cliBin, chromiumPath, gatewayBin, repoRoot, run, screenshotDir } from './run.mjs';

/** A fresh PostgreSQL database on the server QIANPI_BROWSER_POSTGRES names, or null. */
async function freshPostgres() {
  const base = process.env.QIANPI_BROWSER_POSTGRES;
  if (!base) return null;
  const url = new URL(base);
  const name = `qianpi_browser_${process.pid}_${randomBytes(4).toString('hex')}`;
  const conn = ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username)];
  await run('createdb', [...conn, name]);
  return {
    url: `${base.replace(/\/+$/, '')}/${name}`,
    drop: () => run('dropdb', [...conn, '--if-exists', name]).catch(() => {}),
  };
}

/**
 * A gateway on 127.0.0.1 with a port of its own. `cli(...)` runs its command line against the
 * same database; `stop()` ends it and removes its data.
 */
export class Gateway {
  static async start({ demo = false } = {}) {
    const gateway = new Gateway();
    gateway.dir = await mkdtemp(path.join(tmpdir(), 'qianpi-browser-'));
    gateway.postgres = await freshPostgres();
    gateway.dbArgs = ['--data-dir', path.join(gateway.dir, 'data')];
    if (gateway.postgres) gateway.dbArgs.push('--database-url', gateway.postgres.url);
    await gateway.cli('init', ...(demo ? ['--demo'] : []));
    await gateway.serve();
    return gateway;
  }

  async serve() {
    const log = createWriteStream(path.join(this.dir, 'gateway.log'));
    const env = { ...process.env, RUST_LOG: 'warn' };
    delete env.DATABASE_URL; // only the arguments name the database
    this.process = spawn(gatewayBin, ['serve', ...this.dbArgs, '--listen', '127.0.0.1:0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process.stderr.pipe(log);
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
    this.url = await new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`the gateway did not start: ${seen}`)), 60_000);
      this.process.stdout.on('data', (chunk) => {
        seen += chunk.toString('utf8');
        const match = seen.match(/listening on (\S+)/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace(/\/+$/, ''));
        }
      });
      this.process.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the gateway exited (${code}) before listening; see ${this.dir}/gateway.log`));
      });
    });
  }

  /** Runs `qianpi-gateway <args> <database>`; `input` goes to its standard input. */
  cli(...args) {
    let input;
    if (args.length && typeof args[args.length - 1] === 'object') input = args.pop().input;
    const env = { DATABASE_URL: undefined };
    return run(gatewayBin, [...args, ...this.dbArgs], { input, env });
  }

  async stop() {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await this.exited;
    }
    if (this.postgres) await this.postgres.drop();
    if (this.dir && !process.env.QIANPI_BROWSER_KEEP) await rm(this.dir, { recursive: true, force: true });
  }

  /** A unit with the people the tests need and their office accounts (password + TOTP). */
  async createUnit({ id, name, organ, accounts = true }) {
    await this.cli('create-unit', '--id', id, '--name', name, '--organ-code', organ);
    const unit = { id, name, organ };
    const person = (login, personName, post, role) => this.addPerson(unit, login, personName, post, role);
    unit.leader = await person(`${id}-leader`, '王厅长', '厅长', 'leader');
    unit.handler = await person(`${id}-handler`, '赵主任', '办公室主任', 'staff');
    unit.registrar = await person(`${id}-registrar`, '刘登记', '收文登记员', 'staff');
    unit.admin = await person(`${id}-admin`, '孙管理', '系统管理员', 'unit_admin');
    if (accounts) {
      unit.registrar.account = await this.officeAccount(id, unit.registrar.userId, ['registrar']);
      unit.admin.account = await this.officeAccount(id, unit.admin.userId, ['administrator']);
    }
    return unit;
  }

  /** One person (identity) of a unit: { userId, login, name }. */
  async addPerson(unit, login, name, post, role) {
    const userId = await this.cli('add-user', '--unit', unit.id, '--login', login, '--name', name, '--post', post, '--role', role);
    return { userId, login, name };
  }

  /**
   * Another office person of `unit` with `roles` (each test logging in its own person spares
   * waiting for a fresh TOTP step).
   */
  async officePerson(unit, login, name, roles) {
    const person = await this.addPerson(unit, `${unit.id}-${login}`, name, '科员', 'staff');
    person.account = await this.officeAccount(unit.id, person.userId, roles);
    return person;
  }

  /** An office account for a person; returns { login, password, secret }. */
  async officeAccount(unit, userId, roles) {
    const password = `Pw-${randomBytes(9).toString('base64url')}`;
    const login = await this.cli(
      'office-account', '--unit', unit, '--user', userId, '--roles', roles.join(','), '--password-stdin',
      { input: `${password}\n` },
    );
    return { login: login.split('\n').pop().trim(), password, secret: null, lastStep: -1 };
  }

  /** Loads 收文办理 (leader's 批示, then the handler) into a unit; returns its id. */
  async loadIncomingDefinition(unit) {
    const node = (id, name, user, routes, allow = {}) => ({
      id,
      name,
      kind: 'manual',
      handlers: [{ user, weight: 1 }],
      mode: 'single',
      completion: { rule: 'all' },
      reject: { policy: 'not_allowed' },
      returns: { allowed: false, targets: [], way: 'step' },
      allow: {
        recall: false, add_sign: false, transfer: false, delegate: false, circulate: false,
        urge: true, batch: false, terminate: true, ...allow,
      },
      routes,
      read_only: false,
      opinion_column: name,
      time_limit_hours: null,
      requires_handwriting: false,
    });
    const id = `def-incoming-${unit.id}`;
    const definition = {
      id,
      name: '收文办理',
      start: 'leader-instruction',
      nodes: [
        // The registrar chooses the leader when registering; the process suggests this one.
        {
          ...node('leader-instruction', '领导批示', unit.leader.userId, [
            { id: 'r1', label: '送承办', to: 'handling', requires_opinion: false },
          ]),
          chosen_at_start: true,
        },
        node('handling', '承办', unit.handler.userId, [
          { id: 'r1', label: '办结', to: 'end', requires_opinion: false },
        ]),
        { ...node('end', '结束', null, []), kind: 'end', handlers: [], opinion_column: null },
      ],
      urge_interval_minutes: 240,
    };
    const file = path.join(this.dir, `${id}.json`);
    await writeFile(file, JSON.stringify(definition));
    await this.cli('load-definition', '--unit', unit.id, '--file', file);
    return id;
  }
}

// ---- the browser ----

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // As root Chromium needs --no-sandbox; the rest keeps it from calling out of the machine.
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--lang=zh-CN',
    ],
  });
}

/**
 * A fresh browser context (its own cookies) whose page records every dialog and every page
 * error, so a test can assert that no injected script ran.
 */
export async function newPage(browser, baseURL) {
  const context = await browser.newContext({ baseURL, locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  // Pages answer within a second here; 15 s leaves room for a loaded machine, and a page that
  // never shows what a test waits for fails in 15 s rather than Playwright's 30.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.dialogs = [];
  page.errors = [];
  page.acceptConfirms = false;
  page.on('dialog', async (dialog) => {
    page.dialogs.push({ type: dialog.type(), message: dialog.message() });
    // A data-confirm button asks before submitting; a test that clicks one accepts it.
    if (page.acceptConfirms && dialog.type() === 'confirm') await dialog.accept();
    else await dialog.dismiss();
  });
  page.on('pageerror', (error) => page.errors.push(error.message));
  // The origin the browser itself sent with the last form it posted (for `submit`'s diagnosis).
  page.on('request', async (request) => {
    if (request.method() !== 'POST' || !request.isNavigationRequest()) return;
    page.lastPostUrl = request.url();
    page.lastPostOrigin = (await request.allHeaders()).origin;
  });
  return page;
}

/** The console's session cookie (`__Host-`: Secure, Path=/, no Domain). */
export const SESSION_COOKIE = '__Host-qianpi';

/** The login's first step: the password form. Ends on the code (or enrolment) page. */
export async function passwordStep(page, account) {
  await page.goto('/console/login');
  await page.fill('#login', account.login);
  await page.fill('#password', account.password);
  await submit(page, '#login-submit');
  if (!new URL(page.url()).pathname.startsWith('/console/login/code')) {
    throw new Error(`password refused for ${account.login}: ${await page.locator('#login-error').allInnerTexts()}`);
  }
}

/**
 * Clicks a submit button (or a link) and waits for the page it leads to; returns that page's
 * response. A form the gateway refuses as not its own says why when the browser sent no origin.
 */
export async function submit(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  if (response && response.status() === 403 && page.lastPostOrigin === 'null') {
    throw new Error(
      `${page.lastPostUrl} was refused (403) as a form from another site: Chromium sent "Origin: null" ` +
        'for the console\'s own form, as the Fetch standard requires under "Referrer-Policy: no-referrer"',
    );
  }
  return response;
}

/**
 * The second step: on a first login reads the secret from #totp-secret (enrolment), then
 * enters a code the account has not used yet. Ends on the page after login.
 */
export async function codeStep(page, account) {
  await page.waitForSelector('#code');
  if (await page.locator('#totp-secret').count()) {
    account.secret = (await page.locator('#totp-secret').innerText()).trim();
  }
  if (!account.secret) throw new Error(`no TOTP secret known for ${account.login}`);
  await page.fill('#code', await freshTotp(account));
  await submit(page, '#code-submit');
  if (new URL(page.url()).pathname.startsWith('/console/login')) {
    throw new Error(`code refused for ${account.login}: ${await page.locator('#login-error').allInnerTexts()}`);
  }
}

/** Logs `account` in: password, then TOTP enrolment (first login) or a code. */
export async function login(page, account) {
  await passwordStep(page, account);
  await codeStep(page, account);
}

/** Puts a session cookie into a browser context, as an attacker or a thief would. */
export async function plantSession(context, gatewayUrl, value) {
  await context.addCookies([
    { name: SESSION_COOKIE, value, domain: new URL(gatewayUrl).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Strict' },
  ]);
}

/** The named cookie of a page's context (the session cookie by default), or undefined. */
export async function cookie(page, name) {
  const cookies = await page.context().cookies();
  return name ? cookies.find((c) => c.name === name) : cookies;
}

/** Saves a full-page screenshot as <screenshots>/<name>.png. */
export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

