import { InvalidArgument } from '@chronicle/errors';
import { decodePageToken, encodePageToken } from './page-token';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('page tokens', () => {
  describe('given an offset', () => {
    it("when encoded, then it is base64 of Python's json.dumps({'offset': N})", () => {
      expect(encodePageToken(1000)).toBe('eyJvZmZzZXQiOiAxMDAwfQ==');
      expect(Buffer.from(encodePageToken(1000), 'base64').toString()).toBe('{"offset": 1000}');
    });
    it.each([1, 50, 49999, 2 ** 40])('when %d is encoded and decoded, then it round-trips', (offset) => {
      expect(decodePageToken(encodePageToken(offset))).toBe(offset);
    });
    it.each([-1, 1.5, Number.NaN])('when the offset %d is not a row count, then encoding refuses it', (offset) => {
      expect(() => encodePageToken(offset)).toThrow('Not a page offset');
    });
  });

  describe('given tokens from elsewhere', () => {
    it.each([undefined, null, ''])('when the token is %j, then it is the first page', (token) => {
      expect(decodePageToken(token)).toBe(0);
    });
    it('when the token is compact JSON, then it is accepted', () => {
      expect(decodePageToken(b64('{"offset":7}'))).toBe(7);
    });
    it('when the offset is a numeric string, then it is accepted (Python int())', () => {
      expect(decodePageToken(b64('{"offset": "12"}'))).toBe(12);
    });
  });

  describe('given malformed tokens', () => {
    it.each([
      ['abc', 'Invalid page token, could not base64-decode'],
      ['eyJvZmZzZXQiOiAxMH0', 'Invalid page token, could not base64-decode'],
      [b64('not json'), "Invalid page token, decoded value=b'not json'"],
      [b64('{"offset": 0}'), 'Invalid page token, parsed value={"offset":0}'],
      [b64('{"page": 3}'), 'Invalid page token, parsed value={"page":3}'],
      [b64('[1]'), 'Invalid page token, parsed value=[1]'],
      [b64('{"offset": "x"}'), 'Invalid page token, not stringable "x"'],
      [b64('{"offset": -5}'), 'Invalid page token, parsed value={"offset":-5}'],
    ])('when decoding %j, then it says: %s', (token, message) => {
      expect(() => decodePageToken(token)).toThrow(InvalidArgument);
      expect(() => decodePageToken(token)).toThrow(message);
    });
  });
});
