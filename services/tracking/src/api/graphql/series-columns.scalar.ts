import { registerEnumType } from '@nestjs/graphql';
import { GraphQLScalarType } from 'graphql';
import type { ArraySeriesColumns, PackedSeriesColumns, SeriesColumnName } from '../../repositories/downsampled-series';

export const SeriesEncodingEnum = { PACKED: 'PACKED', PACKED32: 'PACKED32', ARRAYS: 'ARRAYS' } as const;
export type SeriesEncoding = keyof typeof SeriesEncodingEnum;
registerEnumType(SeriesEncodingEnum, {
  name: 'SeriesEncoding',
  description: 'How `MetricSeries.columns` carries its numbers.',
  valuesMap: {
    PACKED: { description: 'Each column is the base64 of its values as little-endian IEEE 754 float64 (8 bytes each); NaN and ±Infinity are kept as such.' },
    PACKED32: {
      description:
        'Half the bytes of PACKED, for drawing: each column is the base64 of little-endian values of the type `types` names for it. ' +
        'min, max and mean are float32, rounded to the nearest float32 (about 7 significant digits); NaN and ±Infinity are kept as such; ' +
        'a column holding a finite value beyond float32 (|x| > 3.4e38) is float64 instead. ' +
        'firstStep, lastStep and count are int32 when every value of the column fits, float64 otherwise, so they are always exact.',
    },
    ARRAYS: { description: 'Each column is a JSON array of numbers; NaN and ±Infinity are the strings "NaN", "Infinity", "-Infinity".' },
  },
});

export const SeriesColumnEnum = {
  FIRST_STEP: 'firstStep',
  LAST_STEP: 'lastStep',
  MIN: 'min',
  MAX: 'max',
  MEAN: 'mean',
  COUNT: 'count',
} as const satisfies Record<string, SeriesColumnName>;
registerEnumType(SeriesColumnEnum, { name: 'SeriesColumn', description: 'A column of `MetricSeries.columns`.' });

/**
 * A downsampled series as one value per column. A dashboard asks for hundreds of thousands of
 * buckets: as objects, graphql-js resolves and serializes every field of every one; as a scalar,
 * the columns pass through in one piece (and packed, written into the response as cached bytes: raw-json.ts).
 */
export const SeriesColumnsScalar = new GraphQLScalarType<ArraySeriesColumns | PackedSeriesColumns, ArraySeriesColumns | PackedSeriesColumns>({
  name: 'SeriesColumns',
  description:
    'A downsampled series by column: `{ encoding, length, types, firstStep, lastStep, min, max, mean, count }`, ' +
    'with only the columns asked for when `columns(only: ...)` names some. ' +
    'Bucket i spans steps firstStep[i]..lastStep[i] and holds count[i] points whose extremes are min[i] and max[i] and whose mean is mean[i]; ' +
    'buckets are in step order and every column has `length` values. ' +
    '`encoding` is "float64-le-base64" (SeriesEncoding.PACKED: each column a base64 string of little-endian float64 values, ' +
    'e.g. `new Float64Array(Uint8Array.from(atob(column), (c) => c.charCodeAt(0)).buffer)` in a browser), ' +
    '"le-base64" (SeriesEncoding.PACKED32: each column a base64 string of little-endian values of the type `types[column]` names, ' +
    '"float32", "int32" or "float64"; decoded the same way with a Float32Array, Int32Array or Float64Array) ' +
    'or "json" (SeriesEncoding.ARRAYS: each column an array of numbers, NaN and ±Infinity as strings). Output only.',
  serialize: (value) => value as ArraySeriesColumns | PackedSeriesColumns,
  parseValue: () => {
    throw new TypeError('SeriesColumns is an output type');
  },
  parseLiteral: () => {
    throw new TypeError('SeriesColumns is an output type');
  },
});
