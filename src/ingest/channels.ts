/**
 * The default channel grouping: which marketing channel brought an event's visit, from its UTM tags, ad click
 * ids and referrer, after GA4's default channel grouping (docs/channels.md has the table). Data only: the
 * store's normaliser renders it to SQL, so files and live events are classified by one rule set.
 */

/**
 * Search engines, by labels of the source or referrer host (`google` matches google.com, www.google.co.uk and the
 * source "google"; `so.com` only that host).
 */
export const searchSources = [
  'google',
  'bing',
  'yahoo',
  'duckduckgo',
  'baidu',
  'yandex',
  'ecosia',
  'naver',
  'seznam',
  'qwant',
  'startpage',
  'ask',
  'aol',
  'so.com',
  'sogou',
  'brave',
] as const;

/** Social networks (video platforms included), likewise. */
export const socialSources = [
  'facebook',
  'fb',
  'instagram',
  'ig',
  'linkedin',
  'lnkd',
  'twitter',
  't.co',
  'x.com',
  'reddit',
  'pinterest',
  'tiktok',
  'youtube',
  'youtu.be',
  'snapchat',
  'quora',
  'threads',
  'mastodon',
  'tumblr',
  'vk',
  'weibo',
  'whatsapp',
  'telegram',
  'discord',
  'xing',
] as const;

/** Web mail hosts: a visit from a mail client's web page is e-mail. */
export const webmailHosts = ['mail.google.com', 'outlook.live.com', 'outlook.office.com', 'mail.yahoo.com'] as const;

/** Click ids of search ads (Google Ads, Microsoft Ads) and of social ads (TikTok, LinkedIn, X); dclid is display. */
export const searchClickIds = ['gclid', 'gbraid', 'wbraid', 'msclkid'] as const;
export const socialClickIds = ['ttclid', 'li_fat_id', 'twclid'] as const;
export const displayClickIds = ['dclid'] as const;

/** utm_medium patterns (regular expressions over the lower-cased medium), as in GA4. */
export const paidMedium = '^(.*cp.*|ppc|retargeting|paid.*)$';
export const displayMedium = '^(display|banner|expandable|interstitial|cpm)$';
export const socialMedium = '^(social|social-network|social-media|sm|social network|social media)$';
export const emailPattern = 'e[-_ ]?mail';
export const referralMedium = '^(referral|app|link)$';
export const affiliateMedium = '^affiliates?$';

/**
 * Referral exclusions: payment, checkout and sign-in providers that send visitors back to the site mid-journey. A
 * referrer on one of these hosts (or a subdomain) is no new source: the visit counts as Direct, so a redirect from
 * the payment page does not take the credit from the channel that brought the buyer. Projects add their own.
 */
export const defaultReferralExclusions = [
  'stripe.com',
  'paypal.com',
  'paypal.me',
  'klarna.com',
  'adyen.com',
  'braintreegateway.com',
  'checkout.shopify.com',
  'pay.google.com',
  'accounts.google.com',
  'appleid.apple.com',
  'login.microsoftonline.com',
  'login.live.com',
  'auth0.com',
  'okta.com',
] as const;

/** The source and medium a click id implies when the URL has no UTM tags (GA4's auto-tagging reads them alike). */
export const clickIdSources: Readonly<Record<string, readonly [string, string]>> = {
  gclid: ['google', 'cpc'],
  gbraid: ['google', 'cpc'],
  wbraid: ['google', 'cpc'],
  dclid: ['google', 'display'],
  msclkid: ['bing', 'cpc'],
  ttclid: ['tiktok', 'cpc'],
  li_fat_id: ['linkedin', 'cpc'],
  twclid: ['twitter', 'cpc'],
  fbclid: ['facebook', 'referral'],
};
