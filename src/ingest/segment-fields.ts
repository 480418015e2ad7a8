/**
 * What a Segment-spec message looks like to funnelscope: the call types, the event names page/screen/identify/
 * group/alias calls are stored under, and the column names a flat file (CSV, Parquet) may use for each field.
 */
export const messageTypes = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type MessageType = (typeof messageTypes)[number];

/** The event name each non-track call is stored as (PostHog's names, so funnels can use them as steps). */
export const eventNameByType: Readonly<Record<Exclude<MessageType, 'track'>, string>> = {
  page: '$pageview',
  screen: '$screen',
  identify: '$identify',
  group: '$groupidentify',
  alias: '$create_alias',
};

/** The group type of `context.groupId` and of group calls, which name no type. */
export const defaultGroupType = 'company';

/** Message fields a flat file can carry as columns; every other column is an event property. */
export type MessageField =
  | 'type'
  | 'messageId'
  | 'timestamp'
  | 'userId'
  | 'anonymousId'
  | 'event'
  | 'name'
  | 'groupId'
  | 'previousId'
  | 'properties'
  | 'traits'
  | 'context';

/** Accepted column names per field (compared case-insensitively): Segment's, snake_case, and common exports'. */
export const columnAliases: Readonly<Record<MessageField, readonly string[]>> = {
  type: ['type'],
  messageId: ['messageid', 'message_id'],
  timestamp: ['timestamp', 'time', 'ts', 'event_time', 'originaltimestamp', 'original_timestamp'],
  userId: ['userid', 'user_id'],
  anonymousId: ['anonymousid', 'anonymous_id'],
  event: ['event', 'event_name'],
  name: ['name'],
  groupId: ['groupid', 'group_id'],
  previousId: ['previousid', 'previous_id'],
  properties: ['properties'],
  traits: ['traits'],
  context: ['context'],
};

/** Which message field a column name stands for, or undefined for a property column. */
export function fieldForColumn(column: string): MessageField | undefined {
  const lower = column.toLowerCase();
  for (const [field, aliases] of Object.entries(columnAliases) as [MessageField, readonly string[]][]) {
    if (aliases.includes(lower)) return field;
  }
  return undefined;
}

/** A property column may be written `properties.plan` in Segment's flattened exports. */
export function propertyNameForColumn(column: string): string {
  return column.startsWith('properties.') ? column.slice('properties.'.length) : column;
}
