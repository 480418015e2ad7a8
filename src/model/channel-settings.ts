/**
 * A project's own channel grouping (docs/channels.md): rules tried in order before the default grouping, each a
 * channel name and regular expressions that must all match (case-insensitive; fields left out match anything), and
 * referral exclusions added to the defaults. One JSON shape for the CLI and the API.
 */
import { z } from 'zod';
import { FunnelscopeError } from './errors.js';

const pattern = z.string().min(1).max(500);

const ruleSchema = z
  .strictObject({
    channel: z.string().trim().min(1).max(80),
    /** The event's source (UTM source, else from its click id or referrer, `(direct)`). */
    source: pattern.optional(),
    /** The event's medium (UTM medium, else `cpc`, `organic`, `social`, `referral`, `(none)` …). */
    medium: pattern.optional(),
    campaign: pattern.optional(),
    /** The referrer's host (without `www.`). */
    referrer: pattern.optional(),
    url: pattern.optional(),
  })
  .refine((r) => r.source ?? r.medium ?? r.campaign ?? r.referrer ?? r.url, {
    message: 'a rule needs at least one of source, medium, campaign, referrer, url',
  });

const hostSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'expected a host name such as checkout.example.com')
  .transform((h) => h.replace(/^www\./, ''));

export const channelSettingsSchema = z.strictObject({
  rules: z.array(ruleSchema).max(200).default([]),
  referralExclusions: z.array(hostSchema).max(500).default([]),
});

export type ChannelSettings = z.output<typeof channelSettingsSchema>;
export type ChannelRule = ChannelSettings['rules'][number];
export const ruleFields = ['source', 'medium', 'campaign', 'referrer', 'url'] as const;

/** Parses settings as given (JSON text or a value); the error names the field (e.g. `rules[2].medium`). */
export function parseChannelSettings(input: unknown): ChannelSettings {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      throw new FunnelscopeError('invalid_argument', `channel settings: not JSON (${(e as Error).message})`, {
        field: 'settings',
      });
    }
  }
  const parsed = channelSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue?.path ?? [])
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i > 0 ? `.${String(p)}` : String(p)))
      .join('');
    throw new FunnelscopeError('invalid_argument', `${field || 'settings'}: ${issue?.message ?? 'invalid'}`, {
      field: field || 'settings',
    });
  }
  return {
    ...parsed.data,
    referralExclusions: [...new Set(parsed.data.referralExclusions)],
  };
}
