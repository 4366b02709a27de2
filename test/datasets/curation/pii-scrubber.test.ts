import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findPii, piiTypes, scrubPii, type PiiType } from '../../../datasets/curation/pii-scrubber.js';

/** Appends the Luhn check digit, so test card numbers are valid the way real ones are. */
function withLuhnDigit(body: string): string {
  let sum = 0;
  for (let index = 0; index < body.length; index += 1) {
    let value = Number(body[body.length - 1 - index]);
    if (index % 2 === 0) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
  }
  return body + String((10 - (sum % 10)) % 10);
}

const privateKey = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  '5551234567890123AAAABBBBCCCCDDDD4111111111111111EEEE192.168.1.1==',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

describe('scrubPii', () => {
  it.each<[PiiType, string, string]>([
    ['EMAIL', 'Please reply to maria.gonzalez+billing@shop.example.co.uk by Friday.', 'Please reply to <EMAIL> by Friday.'],
    ['PHONE', 'You can reach our support line at +1 (415) 555-0132 during office hours.', 'You can reach our support line at <PHONE> during office hours.'],
    ['PHONE', 'Ruf mich unter 030 12345678 an, oder mobil unter +49 171 1234567.', 'Ruf mich unter <PHONE> an, oder mobil unter <PHONE>.'],
    ['PHONE', 'Appelez le 01 23 45 67 89 ou le +33 6 12 34 56 78 avant midi.', 'Appelez le <PHONE> ou le <PHONE> avant midi.'],
    ['PHONE', 'Call 555.867.5309 or (212) 555-0199 and ask for Jenny.', 'Call <PHONE> or <PHONE> and ask for Jenny.'],
    ['PHONE', 'Our London office is on +44 (0)20 7946 0958; WhatsApp +14155552671.', 'Our London office is on <PHONE>; WhatsApp <PHONE>.'],
    ['CREDIT_CARD', 'I paid with 4111 1111 1111 1111, expiry 12/27.', 'I paid with <CREDIT_CARD>, expiry 12/27.'],
    ['CREDIT_CARD', 'Charge the Amex 3782-822463-10005 instead of 5500000000000004.', 'Charge the Amex <CREDIT_CARD> instead of <CREDIT_CARD>.'],
    ['IP_ADDRESS', 'The server at 192.168.10.42 refused connections from 10.0.0.7:8443.', 'The server at <IP_ADDRESS> refused connections from <IP_ADDRESS>:8443.'],
    ['IP_ADDRESS', 'Ping 2001:0db8:85a3:0000:0000:8a2e:0370:7334 or 2001:db8::8a2e:370:7334.', 'Ping <IP_ADDRESS> or <IP_ADDRESS>.'],
    ['IP_ADDRESS', 'The mapped address ::ffff:192.0.2.128 is IPv4 in IPv6 clothing.', 'The mapped address <IP_ADDRESS> is IPv4 in IPv6 clothing.'],
    ['AWS_ACCESS_KEY', 'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A', 'export AWS_ACCESS_KEY_ID=<AWS_ACCESS_KEY> and <AWS_ACCESS_KEY>'],
    ['API_KEY', 'client = OpenAI(api_key="sk-proj-4fJq9XbT2LmNc8RvW1zYpK3sHd7EaGu0")', 'client = OpenAI(api_key="<API_KEY>")'],
    ['API_KEY', 'ANTHROPIC_API_KEY=sk-ant-api03-Zx8Qw2Er4Ty6Ui8Op0AsDf_GhJkLzXcVbNm', 'ANTHROPIC_API_KEY=<API_KEY>'],
    ['BEARER_TOKEN', 'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dGhpcyBpcyBub3QgcmVhbA" https://api.example.com', 'curl -H "Authorization: Bearer <BEARER_TOKEN>" https://api.example.com'],
    ['PRIVATE_KEY', `Here is my key:\n${privateKey}\nWhy does ssh reject it?`, 'Here is my key:\n<PRIVATE_KEY>\nWhy does ssh reject it?'],
  ])('replaces %s and counts it: %s', (type, text, expected) => {
    const result = scrubPii(text);
    expect(result.text).toBe(expected);
    expect(Object.keys(result.counts)).toEqual([type]);
    expect(result.counts[type]).toBe(expected.split(`<${type}>`).length - 1);
  });

  it('keeps card-shaped numbers whose Luhn check digit is wrong', () => {
    const text = 'Test numbers 4111 1111 1111 1112, 5500-0000-0000-0005 and 4012888888881882 are not cards.';
    expect(scrubPii(text)).toEqual({ text, counts: {} });
  });

  it('replaces a Luhn-valid card and keeps the CVV written after it', () => {
    const card = withLuhnDigit('453201511283036');
    expect(scrubPii(`Card ${card.replace(/(\d{4})(?=\d)/g, '$1 ')} 123 exp 09/26`).text).toBe('Card <CREDIT_CARD> 123 exp 09/26');
  });

  it('keeps the word Bearer and replaces only the token', () => {
    expect(scrubPii('Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543').text).toBe('Authorization: Bearer <BEARER_TOKEN>');
  });

  it('replaces a whole private-key block without counting the digits inside it as phones, cards or addresses', () => {
    expect(scrubPii(privateKey)).toEqual({ text: '<PRIVATE_KEY>', counts: { PRIVATE_KEY: 1 } });
  });

  it('replaces a private key that was pasted without its END line', () => {
    const truncated = `${privateKey.split('\n').slice(0, 3).join('\n')}\n`;
    expect(scrubPii(`key:\n${truncated}`).text).toBe('key:\n<PRIVATE_KEY>\n');
  });

  it('replaces and counts several findings of several kinds in one message', () => {
    const text = [
      'Hi, I am Dana (dana.kim@example.org, +1 415-555-0132).',
      'My card 4111-1111-1111-1111 was charged twice from 203.0.113.9.',
      'Backup contact: ops@example.org or 212-555-0199.',
    ].join('\n');
    const result = scrubPii(text);
    expect(result.text).toBe(
      ['Hi, I am Dana (<EMAIL>, <PHONE>).', 'My card <CREDIT_CARD> was charged twice from <IP_ADDRESS>.', 'Backup contact: <EMAIL> or <PHONE>.'].join('\n'),
    );
    expect(result.counts).toEqual({ EMAIL: 2, PHONE: 2, CREDIT_CARD: 1, IP_ADDRESS: 1 });
  });

  it.each([
    'The release went out on 2024-03-15 at 12:30, and the retro is on 15.03.2024 or 03/22/2024.',
    'Upgrade from v4.2.1 to 4.3.0-beta.2; Windows reports build 10.0.19045.2965.',
    'Your order #10023 has shipped, order 1002345 is delayed, and Order 1234-5678 was refunded.',
    'It costs $1,299.99 here, €1.234,56 in Berlin, or 1 234 567 EUR for the whole fleet.',
    'The population grew from 12 345 678 to 13 456 789 between 1999 and 2004 (see 1999-2004).',
    'The train leaves at 12:30:45 and arrives at 23:59; the aspect ratio is 16:9.',
    'See ISBN 978-3-16-148410-0, ISBN-10 0-306-40615-2 and ISBN 9780306406157.',
    'Docs live at https://docs.example.com/v2/guide?id=12345&page=3#section-4 and https://github.com/acme/app/pull/8812.',
    'Python slices a[1::2], C++ has std::vector<int>::iterator and Rust has Vec::<u8>::new().',
    'Request 123e4567-e89b-12d3-a456-426614174000 took 1700000000 ns; pi is 3.14159265358979.',
    'The match ended 10-7, room 4-12 is free, and the screen is 1920x1080 at 144 Hz.',
    'The bearer of bad news held bearer bonds; ask the desk about the sk-8 skate team.',
    'Mention me @dana on the forum, or write to the office at the usual address.',
    'Coordinates 40.7128, -74.0060; temperature ranged from -12.5 to 30.2 degrees.',
    'The MAC address 00:1A:2B:3C:4D:5E belongs to the printer, and the card ends in 1111.',
    'Commit 3f2a9c1d8e7b6a5f4e3d2c1b0a998877 fixed chapter 3.2.1 and section 4.5.',
  ])('leaves non-PII text alone: %s', (text) => {
    expect(scrubPii(text)).toEqual({ text, counts: {} });
  });

  it('finds the same PII that it would replace, for dropping records', () => {
    const text = 'Mail ana@example.org or call +44 20 7946 0958; token Bearer abc123def456ghi789jkl.';
    expect(findPii(text)).toEqual(scrubPii(text).counts);
    expect(findPii('Nothing personal in here, just 3 apples and 2 pears.')).toEqual({});
  });

  it('names a placeholder for every PII type', () => {
    expect(piiTypes).toEqual(['EMAIL', 'PHONE', 'CREDIT_CARD', 'IP_ADDRESS', 'AWS_ACCESS_KEY', 'API_KEY', 'BEARER_TOKEN', 'PRIVATE_KEY']);
  });
});

describe('scrubPii on generated text', () => {
  const digits = (count: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: count, maxLength: count });
  const alphanumeric = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const word = (characters: string, minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...characters), minLength, maxLength });
  const lower = 'abcdefghijklmnopqrstuvwxyz';

  const email = fc
    .tuple(word(`${lower}0123456789`, 1, 12), fc.constantFrom('', '.', '_', '+'), word(lower, 0, 8), word(lower, 1, 12), fc.constantFrom('com', 'org', 'io', 'co.uk', 'de'))
    .map(([first, joiner, second, domain, tld]) => `${first}${second === '' ? '' : joiner + second}@${domain}.${tld}`);
  const areaCode = fc.tuple(fc.integer({ min: 2, max: 9 }), digits(2)).map(([first, rest]) => `${first}${rest}`);
  const phone = fc.oneof(
    fc.tuple(areaCode, digits(3), digits(4)).map(([area, exchange, line]) => `+1 (${area}) ${exchange}-${line}`),
    fc.tuple(areaCode, digits(3), digits(4)).map(([area, exchange, line]) => `(${area}) ${exchange}-${line}`),
    fc.tuple(areaCode, digits(3), digits(4)).map(([area, exchange, line]) => `${area}-${exchange}-${line}`),
    fc.tuple(areaCode, digits(3), digits(4)).map(([area, exchange, line]) => `${area}.${exchange}.${line}`),
    fc.tuple(digits(4), digits(4)).map(([first, second]) => `+44 20 ${first} ${second}`),
    fc.tuple(digits(8)).map(([number]) => `+49 30 ${number}`),
    fc.tuple(fc.integer({ min: 1, max: 9 }), digits(2), digits(2), digits(2), digits(2)).map((parts) => `+33 ${parts.join(' ')}`),
  );
  const card = fc
    .tuple(fc.constantFrom('4', '51', '55', '6011', '37'), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 14, maxLength: 14 }), fc.constantFrom('plain', 'spaces', 'dashes'))
    .map(([prefix, body, layout]) => {
      const length = prefix === '37' ? 15 : 16;
      const number = withLuhnDigit((prefix + body).slice(0, length - 1));
      if (layout === 'plain') return number;
      const separator = layout === 'spaces' ? ' ' : '-';
      return length === 15 ? [number.slice(0, 4), number.slice(4, 10), number.slice(10)].join(separator) : (number.match(/\d{4}/g) ?? []).join(separator);
    });
  const octet = fc.integer({ min: 0, max: 255 });
  const hexGroup = word('0123456789abcdef', 1, 4);
  const ipAddress = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 255 }), octet, octet, octet).map((octets) => octets.join('.')),
    fc.array(hexGroup, { minLength: 8, maxLength: 8 }).map((groups) => groups.join(':')),
    fc.tuple(fc.array(hexGroup, { minLength: 2, maxLength: 3 }), fc.array(hexGroup, { minLength: 1, maxLength: 3 })).map(([head, tail]) => `${head.join(':')}::${tail.join(':')}`),
  );
  const awsKey = fc.tuple(fc.constantFrom('AKIA', 'ASIA'), word('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 16)).map(([prefix, rest]) => prefix + rest);
  const apiKey = fc.tuple(fc.constantFrom('sk-', 'sk-proj-', 'sk-ant-api03-'), word(alphanumeric, 24, 48)).map(([prefix, rest]) => prefix + rest);
  const bearer = fc.tuple(word(alphanumeric, 12, 40), digits(4)).map(([token, number]) => `Bearer ${token}${number}`);
  const key = fc
    .array(word(`${alphanumeric}+/`, 64, 64), { minLength: 1, maxLength: 4 })
    .map((lines) => ['-----BEGIN PRIVATE KEY-----', ...lines, '-----END PRIVATE KEY-----'].join('\n'));

  const planted = fc.oneof(email, phone, card, ipAddress, awsKey, apiKey, bearer, key);
  // No labels such as "invoice" or "order": a bare number after one is read as an identifier, not a phone.
  const vocabulary = 'please send the receipt to my team we tried again yesterday but nothing arrived thanks for your help with this issue Hello can you check why it fails'.split(' ');
  const filler = fc.array(fc.constantFrom(...vocabulary), { maxLength: 8 }).map((words) => words.join(' '));
  const separator = fc.constantFrom(' ', '\n', ', ', ': ', ' (', ') ', '; ');

  it('leaves none of the planted values in the scrubbed text', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, separator, planted, separator), { minLength: 1, maxLength: 6 }), filler, (pieces, ending) => {
        const text = pieces.map(([before, left, value, right]) => `${before}${left}${value}${right}`).join('') + ending;
        const result = scrubPii(text);
        for (const [, , value] of pieces) {
          // A bearer token is replaced, the word "Bearer" before it is kept.
          expect(result.text).not.toContain(value.replace(/^Bearer /, ''));
        }
        expect(Object.values(result.counts).reduce((sum, count) => sum + (count ?? 0), 0)).toBe(pieces.length);
      }),
      { numRuns: 300 },
    );
  });
});
