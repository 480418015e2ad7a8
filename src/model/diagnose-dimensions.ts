/**
 * The candidate dimensions of a diagnosis by default (event properties, docs/diagnose.md): the stored channel,
 * campaign, device, OS, browser and country of the event, and its path, which for the first page view of the
 * funnel is the landing page.
 */
export const defaultDimensions = ['channel', 'utm_campaign', 'device_type', 'os', 'browser', 'country', 'path'];
