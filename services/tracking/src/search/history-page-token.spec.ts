import { decodeHistoryPageToken, encodeHistoryPageToken } from './history-page-token';
import { encodePageToken } from './page-token';

describe('metric history page tokens', () => {
  it.each([0.25, -3, 1e-7, 1.7976931348623157e308, Number.NaN, Infinity, -Infinity])(
    'when a page ends at value %d, then the position round-trips exactly',
    (value) => {
      const token = encodeHistoryPageToken(25000, { timestamp: 1700000000123, step: 41, value });
      expect(decodeHistoryPageToken(token)).toEqual({ offset: 25000, after: { timestamp: 1700000000123, step: 41, value } });
    },
  );

  it("when the token is MLflow's offset-only token, then it pages by offset", () => {
    expect(decodeHistoryPageToken(encodePageToken(50))).toEqual({ offset: 50 });
  });

  it('when there is no token, then it is the first page', () => {
    expect(decodeHistoryPageToken(undefined)).toEqual({ offset: 0 });
  });

  it('when the position is malformed, then only the offset is used', () => {
    const token = Buffer.from('{"offset": 5, "after": [1, 2, "1; DROP"]}').toString('base64');
    expect(decodeHistoryPageToken(token)).toEqual({ offset: 5 });
  });

  it('when the offset is invalid, then the token is rejected as MLflow rejects it', () => {
    expect(() => decodeHistoryPageToken(Buffer.from('{"offset": 0, "after": [1, 2, "3"]}').toString('base64'))).toThrow('Invalid page token');
  });
});
