// The terminal shell `qianpi` as a person's phone: activation with a code the gateway's command
// line issues, fingerprint words, sync, inbox, the body as the phone opens it, approval.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { cliBin, run } from './run.mjs';

/** The terminal shell `qianpi` as a person's phone, with its own data folder and vault. */
export class Phone {
  constructor(gateway, person) {
    this.gateway = gateway;
    this.person = person;
    this.dir = path.join(gateway.dir, `phone-${person.login}`);
    this.env = { QIANPI_PASSPHRASE: `vault-${randomBytes(12).toString('hex')}` };
  }

  run(...args) {
    const binary = args[0] === 'body';
    return run(cliBin, [...args, '--data-dir', this.dir], { env: this.env, binary });
  }

  /** Activates with a one-time code the gateway's command line issues. */
  async activate({ needsApproval = false } = {}) {
    const code = await this.gateway.cli('issue-code', '--login', this.person.login, ...(needsApproval ? ['--needs-approval'] : []));
    return run(cliBin, ['activate', '--server', `${this.gateway.url}/`, '--login', this.person.login, '--code', code.split('\n')[0], '--data-dir', this.dir], { env: this.env });
  }

  /** The six fingerprint words the phone shows. */
  async fingerprintWords() {
    const out = await this.run('device');
    const line = out.split('\n').find((l) => l.startsWith('指纹词'));
    return line.replace(/^指纹词:\s*/, '').replace(/\s*\(.*$/, '').trim().split(/\s+/);
  }

  /** Whether the gateway still keeps this device waiting for approval (asks it first). */
  async pending() {
    const out = await this.run('device', '--check');
    return out.includes('待管理员批准');
  }

  sync() {
    return this.run('sync');
  }

  /** The inbox rows: { state, title, taskId, line }. */
  async inbox() {
    const out = await this.run('inbox');
    return out
      .split('\n')
      .map((line) => {
        const match = line.match(/^\[(\S+)\] \[\S+\] (.*?)  .*\(task (\S+)\)/);
        return match && { state: match[1], title: match[2], taskId: match[3], line };
      })
      .filter(Boolean);
  }

  /** The body's bytes as the phone opens it (the PDF rendition when there is one). */
  body(id) {
    return this.run('body', id);
  }

  approve(taskId, opinion) {
    return this.run('approve', taskId, '--opinion', opinion);
  }

  show(id) {
    return this.run('show', id);
  }
}
