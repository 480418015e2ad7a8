/** Alerts leaving the process (docs/alerts.md): the one module here that talks to webhooks and SMTP servers. */
import nodemailer from 'nodemailer';
import type { Deliverer } from '../analysis/alerts/run-alerts.js';

/**
 * The real deliverer: webhooks by fetch (10 s timeout; a non-2xx answer is a failure), e-mail through the SMTP server
 * of `smtpUrl` (e.g. smtp://user:pass@mail.example.com:587; none configured: e-mail fails saying so).
 */
export function networkDeliverer(options: { smtpUrl: string | null; from: string }): Deliverer {
  const transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : null;
  return {
    async webhook(url, body) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
    },
    async email(to, subject, text, html) {
      if (!transport) throw new Error('no SMTP server configured (FUNNELSCOPE_SMTP_URL)');
      await transport.sendMail({ from: options.from, to: [...to], subject, text, ...(html ? { html } : {}) });
    },
  };
}
