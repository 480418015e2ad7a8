/**
 * A fictional B2B SaaS business, generated deterministically from a seed: visitors from six channels on three
 * kinds of device, a web funnel (visit → pricing → signup → activation → demo request), CRM deals with stage
 * history, and daily ad spend. Two frictions are built in so later analyses have something true to find:
 * mobile visitors sign up from the pricing page at about a third of the desktop rate, and paid social brings
 * cheap signups that rarely become won deals. And one for attribution: a third of later visits come through the
 * brand-search ad, a sixth through the newsletter, the rest directly, and most buyers look again while their deal is
 * open; so last touch moves won deals from the channels that brought people in to direct visits, and last non-direct
 * to brand search and e-mail. Two experiments: a landing-page hero that lifts visits to pricing (and so signups) and
 * pricing-page copy that changes nothing. Pure: no clock, no I/O.
 */
import { mulberry32 } from '../stats/random.js';

export interface DemoOptions {
  seed: number;
  visitors: number;
  days: number;
  /** Last day of the data, YYYY-MM-DD (UTC). */
  endDate: string;
}

export interface DealRow {
  deal_id: string;
  name: string;
  user_id: string;
  email: string;
  account_key: string;
  owner: string;
  pipeline: string;
  stage: string;
  amount: number;
  currency: string;
  created_at: string;
  closed_at: string;
  status: 'open' | 'won' | 'lost';
  lost_reason: string;
  source_channel: string;
}

export interface DemoData {
  messages: Record<string, unknown>[];
  deals: DealRow[];
  stageChanges: { deal_id: string; stage: string; entered_at: string }[];
  spend: {
    date: string;
    channel: string;
    source: string;
    campaign: string;
    cost: number;
    currency: string;
    impressions: number;
    clicks: number;
  }[];
}

/** Draws for synthetic data over the project's seeded generator (mulberry32). */
export class Random {
  private readonly uniform: () => number;
  constructor(seed: number) {
    this.uniform = mulberry32(seed);
  }
  next(): number {
    return this.uniform();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
  logNormal(median: number, sigma: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
}

type Channel = 'Organic Search' | 'Paid Search' | 'Paid Social' | 'Email' | 'Referral' | 'Direct';
type Device = 'Desktop' | 'Mobile' | 'Tablet';

interface ChannelProfile {
  share: number;
  pricing: number;
  signupFactor: number;
  winRate: number;
  campaigns?: readonly { source: string; medium: string; campaign: string; cpc: number; ctr: number }[];
}

const channels: Record<Channel, ChannelProfile> = {
  'Organic Search': { share: 30, pricing: 0.38, signupFactor: 0.9, winRate: 0.25 },
  'Paid Search': {
    share: 20,
    pricing: 0.45,
    signupFactor: 1,
    winRate: 0.26,
    campaigns: [
      { source: 'google', medium: 'cpc', campaign: 'brand-search', cpc: 3.1, ctr: 0.06 },
      { source: 'google', medium: 'cpc', campaign: 'competitor-search', cpc: 5.8, ctr: 0.03 },
      { source: 'google', medium: 'cpc', campaign: 'generic-crm', cpc: 4.4, ctr: 0.04 },
    ],
  },
  'Paid Social': {
    share: 18,
    pricing: 0.42,
    signupFactor: 1.35,
    winRate: 0.04,
    campaigns: [
      { source: 'facebook', medium: 'paid_social', campaign: 'lookalike-founders', cpc: 0.85, ctr: 0.012 },
      { source: 'linkedin', medium: 'paid_social', campaign: 'sales-leaders', cpc: 1.45, ctr: 0.009 },
    ],
  },
  Email: { share: 8, pricing: 0.5, signupFactor: 1.6, winRate: 0.22 },
  Referral: { share: 9, pricing: 0.4, signupFactor: 1.1, winRate: 0.36 },
  Direct: { share: 15, pricing: 0.36, signupFactor: 1, winRate: 0.24 },
};

const pricingToSignup: Record<Device, number> = { Desktop: 0.18, Tablet: 0.12, Mobile: 0.06 };

const userAgents: Record<Device, readonly string[]> = {
  Desktop: [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  ],
  Mobile: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  ],
  Tablet: [
    'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  ],
};

const countries: readonly (readonly [string, number])[] = [
  ['US', 38],
  ['GB', 12],
  ['DE', 10],
  ['FR', 7],
  ['CA', 7],
  ['AU', 5],
  ['IN', 8],
  ['BR', 5],
  ['NL', 4],
  ['ES', 4],
];
const referrers = [
  'https://www.g2.com/categories/crm',
  'https://blog.salesops.io/best-funnel-tools',
  'https://news.ycombinator.com/',
];
const noisePages = [
  '/features',
  '/blog/funnel-metrics',
  '/blog/cac-payback',
  '/docs/getting-started',
  '/customers',
  '/about',
];
const owners = ['Ava Reyes', 'Ben Okafor', 'Chloe Martin', 'Dev Patel', 'Elena Rossi', 'Felix Wong'];
const lostReasons = ['No budget', 'Chose competitor', 'No decision', 'Timing', 'Bad fit'];
const companyWords = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'stark',
  'wayne',
  'hooli',
  'vandelay',
  'soylent',
  'tyrell',
];
const companySuffixes = ['robotics', 'labs', 'logistics', 'health', 'capital', 'software', 'foods', 'energy'];
const stages = ['lead', 'qualified', 'proposal', 'negotiation'] as const;

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export function generateDemo(options: DemoOptions): DemoData {
  const random = new Random(options.seed);
  const endMs = Date.parse(`${options.endDate}T00:00:00Z`) + dayMs - 1;
  const startMs = endMs + 1 - options.days * dayMs;
  const messages: Record<string, unknown>[] = [];
  const deals: DealRow[] = [];
  const stageChanges: DemoData['stageChanges'] = [];
  const paidClicks = new Map<string, number>();
  const groupsSent = new Set<string>();
  let counter = 0;
  let userCounter = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const nextId = () => `demo-${options.seed}-${(counter++).toString(36)}`;

  // Visitors arrive with weekday seasonality (weekdays 1.4× weekends) and 60% growth over the range.
  const dayWeights = Array.from({ length: options.days }, (_, d) => {
    const weekday = new Date(startMs + d * dayMs).getUTCDay();
    return [d, (weekday === 0 || weekday === 6 ? 1 : 1.4) * (1 + (0.6 * d) / options.days)] as const;
  });

  for (let v = 0; v < options.visitors; v += 1) {
    const channel = random.weighted(Object.entries(channels).map(([c, p]) => [c as Channel, p.share] as const));
    const profile = channels[channel];
    const device = random.weighted<Device>([
      ['Desktop', 55],
      ['Mobile', 38],
      ['Tablet', 7],
    ]);
    const userAgent = random.pick(userAgents[device]);
    const country = random.weighted(countries);
    const campaign = profile.campaigns ? random.pick(profile.campaigns) : undefined;
    let anonymousId = `anon-${options.seed}-${v}`;
    let userId: string | undefined;
    let clock = startMs + random.weighted(dayWeights) * dayMs + random.next() * dayMs;
    // The campaign of the session now under way (what analytics.js reads off the landing URL into context.campaign).
    let sessionCampaign: { source: string; medium: string; name: string } | undefined = campaign
      ? { source: campaign.source, medium: campaign.medium, name: campaign.campaign }
      : undefined;
    const context = () => ({
      userAgent,
      location: { country },
      ...(sessionCampaign ? { campaign: sessionCampaign } : {}),
    });
    const ids = () => (userId ? { userId, anonymousId } : { anonymousId });
    // Events after the last day of data are not in it.
    const page = (path: string, referrer?: string, query = '') => {
      if (clock > endMs) return;
      const url = `https://funnelscope-demo.io${path}${query}`;
      messages.push({
        type: 'page',
        messageId: nextId(),
        timestamp: iso(clock),
        ...ids(),
        name: path,
        properties: { url, path, referrer: referrer ?? '', title: path },
        context: { ...context(), page: { url, path, referrer: referrer ?? '' } },
      });
    };
    const track = (event: string, properties: Record<string, unknown> = {}) => {
      if (clock > endMs) return;
      messages.push({
        type: 'track',
        messageId: nextId(),
        timestamp: iso(clock),
        ...ids(),
        event,
        properties,
        context: context(),
      });
    };
    const step = (meanMinutes: number) => {
      clock += Math.max(5_000, random.exponential(meanMinutes * 60_000));
    };

    // A later visit: a third come back through the brand-search ad (they know the name by now), a sixth through
    // the newsletter, the rest directly. So last touch credits direct visits, and last non-direct brand search and
    // e-mail, with customers that other channels brought in first (test/e2e/attribution-cli.test.ts finds it).
    const returnVisit = () => {
      const how = random.next();
      if (how < 1 / 3) {
        const day = new Date(clock).toISOString().slice(0, 10);
        const key = `${day}|Paid Search|google|brand-search`;
        paidClicks.set(key, (paidClicks.get(key) ?? 0) + 1);
        sessionCampaign = { source: 'google', medium: 'cpc', name: 'brand-search' };
        page('/', undefined, '?utm_source=google&utm_medium=cpc&utm_campaign=brand-search');
      } else if (how < 0.5) {
        sessionCampaign = { source: 'newsletter', medium: 'email', name: 'monthly-digest' };
        page('/', undefined, '?utm_source=newsletter&utm_medium=email&utm_campaign=monthly-digest');
      } else {
        sessionCampaign = undefined;
        page(random.pick(['/', ...noisePages]));
      }
    };

    // Landing: how the visitor arrived.
    if (campaign) {
      const day = new Date(clock).toISOString().slice(0, 10);
      const key = `${day}|${channel}|${campaign.source}|${campaign.campaign}`;
      paidClicks.set(key, (paidClicks.get(key) ?? 0) + 1);
      page(
        '/',
        undefined,
        `?utm_source=${campaign.source}&utm_medium=${campaign.medium}&utm_campaign=${campaign.campaign}`,
      );
    } else if (channel === 'Email') {
      page('/', undefined, '?utm_source=newsletter&utm_medium=email&utm_campaign=monthly-digest');
    } else if (channel === 'Organic Search') {
      page('/', 'https://www.google.com/');
    } else if (channel === 'Referral') {
      page('/', random.pick(referrers));
    } else {
      page('/');
    }
    // Two landing-page experiments, assigned by visitor number (no draw from the generator, so the rest of the
    // business is the same): a new hero that brings a third more visitors on to the pricing page, and pricing-page
    // copy that changes nothing.
    const hero = v % 2 === 0 ? 'control' : 'new-hero';
    const copy = Math.floor(v / 2) % 2 === 0 ? 'control' : 'annual-first';
    track('Experiment Viewed', {
      experiment_id: 'landing-hero',
      experiment_name: 'Landing page hero',
      variation_id: hero === 'control' ? '0' : '1',
      variation_name: hero,
    });
    if (random.chance(0.5)) {
      step(2);
      page(random.pick(noisePages));
    }
    // Later sessions give the visitor more chances to reach pricing.
    const sessions = 1 + Math.min(3, Math.floor(random.exponential(0.7)));
    let reachedPricing = false;
    for (let s = 0; s < sessions && !reachedPricing; s += 1) {
      if (s > 0) {
        clock += 40 * 60_000 + random.exponential(4 * dayMs);
        if (clock > endMs) break;
        returnVisit();
      }
      if (random.chance((profile.pricing / sessions + 0.02) * (hero === 'new-hero' ? 1.35 : 1))) {
        step(3);
        page('/pricing');
        track('Experiment Viewed', {
          experiment_id: 'pricing-copy',
          experiment_name: 'Pricing page copy',
          variation_id: copy === 'control' ? '0' : '1',
          variation_name: copy,
        });
        if (random.chance(0.3)) track('Pricing Toggle Clicked', { billing: random.pick(['monthly', 'annual']) });
        reachedPricing = true;
      } else if (random.chance(0.2)) {
        step(2);
        track('Video Played', { video: 'product-tour' });
      }
    }
    if (!reachedPricing || clock > endMs) continue;
    if (!random.chance(Math.min(0.9, pricingToSignup[device] * profile.signupFactor))) continue;

    // Signup: the visitor becomes a known user and a member of a company.
    step(4);
    userCounter += 1;
    userId = `user-${String(userCounter).padStart(5, '0')}`;
    const company = `${random.pick(companyWords)}-${random.pick(companySuffixes)}`;
    const companySize = random.weighted([
      ['1-10', 35],
      ['11-50', 35],
      ['51-200', 20],
      ['201-1000', 10],
    ] as const);
    const plan = random.weighted([
      ['free', 60],
      ['pro', 30],
      ['team', 10],
    ] as const);
    const email = `${userId}@${company}.example`;
    track('Signed Up', { plan, method: random.pick(['email', 'google']) });
    messages.push({
      type: 'identify',
      messageId: nextId(),
      timestamp: iso(clock),
      userId,
      anonymousId,
      traits: {
        email,
        name: `Demo ${userId}`,
        company,
        role: random.pick(['Founder', 'Head of Sales', 'Marketing Lead', 'RevOps']),
        plan,
        company_size: companySize,
      },
      context: { ...context(), groupId: company },
    });
    if (!groupsSent.has(company)) {
      groupsSent.add(company);
      messages.push({
        type: 'group',
        messageId: nextId(),
        timestamp: iso(clock),
        userId,
        anonymousId,
        groupId: company,
        traits: {
          name: company.replace('-', ' '),
          industry: random.pick(['SaaS', 'Retail', 'Finance', 'Logistics', 'Health']),
          employees: companySize,
        },
      });
    }
    // Some users come back on a second device and log in there.
    if (random.chance(0.15)) {
      const back = clock + random.exponential(3 * dayMs);
      if (back < endMs) {
        const saved = { clock, anonymousId };
        clock = back;
        anonymousId = `anon-${options.seed}-${v}-b`;
        messages.push({
          type: 'identify',
          messageId: nextId(),
          timestamp: iso(clock),
          userId,
          anonymousId,
          traits: { last_login_device: device === 'Desktop' ? 'Mobile' : 'Desktop' },
        });
        page('/app');
        clock = saved.clock;
        anonymousId = saved.anonymousId;
      }
    }
    step(60);
    if (clock > endMs || !random.chance(0.55)) continue;
    track('Activated', { first_project: true });
    step(24 * 60);
    if (clock > endMs || !random.chance(channel === 'Paid Social' ? 0.26 : 0.32)) continue;
    track('Demo Requested', { team_size: companySize });

    // The CRM takes over: a deal moves through the stages until it is won, lost, or the data ends.
    let dealClock = clock + random.exponential(1.5 * dayMs);
    if (dealClock > endMs) continue;
    const dealId = `D-${String(deals.length + 1).padStart(6, '0')}`;
    const sizeFactor = { '1-10': 1, '11-50': 2.2, '51-200': 4.5, '201-1000': 9 }[companySize];
    const amount = Math.round(random.logNormal(2400 * sizeFactor, 0.5) / 10) * 10;
    const advance = profile.winRate ** (1 / stages.length);
    const deal: DealRow = {
      deal_id: dealId,
      name: `${company} — ${plan === 'team' ? 'Team' : 'Business'} plan`,
      user_id: userId,
      email,
      account_key: company,
      owner: random.pick(owners),
      pipeline: 'New Business',
      stage: 'lead',
      amount,
      currency: 'USD',
      created_at: iso(dealClock),
      closed_at: '',
      status: 'open',
      lost_reason: '',
      source_channel: channel,
    };
    stageChanges.push({ deal_id: dealId, stage: 'lead', entered_at: iso(dealClock) });
    // Most buyers look at the site again while the deal is open (through brand search, the newsletter or directly).
    if (random.chance(0.7)) {
      const back = dealClock + random.exponential(4 * dayMs);
      if (back < endMs) {
        const saved = clock;
        clock = back;
        returnVisit();
        step(2);
        if (clock <= endMs) page('/pricing');
        clock = saved;
      }
    }
    for (let s = 0; s < stages.length; s += 1) {
      const next = dealClock + random.logNormal(6 * dayMs, 0.6);
      if (next > endMs) break;
      dealClock = next;
      const won = random.chance(advance);
      const stage = !won ? 'lost' : s + 1 < stages.length ? (stages[s + 1] as string) : 'won';
      stageChanges.push({ deal_id: dealId, stage, entered_at: iso(dealClock) });
      deal.stage = stage;
      if (stage === 'won' || stage === 'lost') {
        deal.status = stage;
        deal.closed_at = iso(dealClock);
        if (stage === 'lost') deal.lost_reason = random.pick(lostReasons);
        break;
      }
    }
    deals.push(deal);
  }

  // Ad spend: clicks cover the tracked paid visits (not every click loads the tracker).
  const spend: DemoData['spend'] = [];
  for (let d = 0; d < options.days; d += 1) {
    const day = new Date(startMs + d * dayMs).toISOString().slice(0, 10);
    for (const [channel, profile] of Object.entries(channels) as [Channel, ChannelProfile][]) {
      for (const c of profile.campaigns ?? []) {
        const visits = paidClicks.get(`${day}|${channel}|${c.source}|${c.campaign}`) ?? 0;
        const clicks = Math.ceil(visits * (1.05 + random.next() * 0.1));
        const cpc = c.cpc * (0.85 + random.next() * 0.3);
        spend.push({
          date: day,
          channel,
          source: c.source,
          campaign: c.campaign,
          cost: Math.round(clicks * cpc * 100) / 100,
          currency: 'USD',
          impressions: Math.round(clicks / c.ctr),
          clicks,
        });
      }
    }
  }

  messages.sort((a, b) => (a.timestamp as string).localeCompare(b.timestamp as string));
  return { messages, deals, stageChanges, spend };
}
