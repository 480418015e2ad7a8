/**
 * The visitor's country from its IP address, with a country database the user supplies in the MaxMind DB format
 * (GeoLite2-Country, or DB-IP's free IP-to-Country Lite: their licences do not let us ship one). Read with
 * `maxmind`, the format's reader. Only the country is kept; the address is not (docs/privacy.md).
 */
import maxmind, { type CountryResponse } from 'maxmind';
import { FunnelscopeError } from '../model/errors.js';

export type CountryOfIp = (ip: string) => string | undefined;

export async function openCountryDatabase(file: string): Promise<CountryOfIp> {
  let reader: Awaited<ReturnType<typeof maxmind.open<CountryResponse>>>;
  try {
    reader = await maxmind.open<CountryResponse>(file, { cache: { max: 10_000 } });
  } catch (cause) {
    throw new FunnelscopeError(
      'invalid_argument',
      `--geoip ${file}: not a readable MaxMind DB country database (${(cause as Error).message})`,
      { field: '--geoip', file },
      { cause },
    );
  }
  return (ip) => {
    if (!maxmind.validate(ip)) return undefined;
    try {
      const found = reader.get(ip);
      return found?.country?.iso_code ?? found?.registered_country?.iso_code;
    } catch {
      return undefined; // an IPv6 address in an IPv4-only database
    }
  };
}
