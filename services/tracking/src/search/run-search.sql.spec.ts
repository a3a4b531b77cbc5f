import { parseOrderBy } from './order-by.parser';
import { compileRunCount, compileRunSearch, type RunSearchRequest } from './run-search.sql';
import { RUN_SEARCH } from './search-entities';
import { parseBooleanSearchFilter, parseSearchFilter } from './search-filter.parser';
import { type SqlQuery } from './search-sql';

function compile(filter = '', orderBy: string[] = [], overrides: Partial<RunSearchRequest> = {}): SqlQuery {
  return compileRunSearch({
    schema: 'tracking',
    workspaceId: 'ws-1',
    experimentIds: ['1', '2'],
    lifecycleStages: ['active'],
    filter: parseSearchFilter(filter, RUN_SEARCH),
    orderBy: parseOrderBy(orderBy, RUN_SEARCH),
    limit: 1000,
    offset: 0,
    ...overrides,
  });
}

/** The value bound to a `$n` placeholder. */
function bound(query: SqlQuery, placeholder: string): unknown {
  return query.values[Number(placeholder.slice(1)) - 1];
}

/** Finds `pattern` (with `(\$\d+)` groups) in the SQL and returns the values bound to its groups. */
function boundIn(query: SqlQuery, pattern: RegExp): unknown[] {
  const match = pattern.exec(query.text);
  if (!match) throw new Error(`${pattern} not found in:\n${query.text}`);
  return match.slice(1).map((placeholder) => bound(query, placeholder ?? ''));
}

function orderByLine(query: SqlQuery): string {
  return /^ORDER BY (.*)$/m.exec(query.text)?.[1] ?? '';
}

describe('compileRunSearch', () => {
  describe('given no filter and no order_by', () => {
    it('when compiled, then it scopes to workspace, experiments and stages and orders by start_time DESC, run_id', () => {
      const query = compile();
      expect(query.text).toBe(
        [
          'SELECT r.run_id',
          'FROM tracking.runs r',
          'WHERE r.workspace_id = $1',
          '  AND r.experiment_id = ANY($2::text[])',
          '  AND r.lifecycle_stage = ANY($3::text[])',
          'ORDER BY r.start_time DESC, r.run_id ASC',
          'LIMIT $4 OFFSET $5',
        ].join('\n'),
      );
      expect(query.values).toEqual(['ws-1', ['1', '2'], ['active'], 1000, 0]);
    });
    it('when a page offset is given, then it is bound as OFFSET', () => {
      const query = compile('', [], { limit: 50, offset: 100, lifecycleStages: ['active', 'deleted'] });
      expect(boundIn(query, /LIMIT (\$\d+) OFFSET (\$\d+)$/)).toEqual([50, 100]);
      expect(boundIn(query, /r\.lifecycle_stage = ANY\((\$\d+)::text\[\]\)/)).toEqual([['active', 'deleted']]);
    });
  });

  describe('given metric filters', () => {
    it('when filtering metrics.acc > 0.9, then candidates come from latest_metrics by key and value range, compared as doubles, NaN excluded', () => {
      const query = compile('metrics.acc > 0.9');
      const lookup =
        /AND r\.run_id IN \(SELECT m\.run_id FROM tracking\.latest_metrics m WHERE m\.workspace_id = (\$\d+) AND m\.experiment_id = ANY\((\$\d+)::text\[\]\)/.source +
        / AND m\.key = (\$\d+) AND m\.value > (\$\d+)::double precision AND m\.value <> 'NaN'\)$/.source;
      expect(boundIn(query, new RegExp(lookup, 'm'))).toEqual(['ws-1', ['1', '2'], 'acc', 0.9]);
      expect(query.text).not.toContain('r.metrics');
    });
    it.each(['<', '<=', '=', '!='])('when the comparator is %s, then no NaN guard is needed', (comparator) => {
      const query = compile(`metrics.acc ${comparator} 1`);
      expect(query.text).toContain('AND m.key = $4 AND m.value');
      expect(query.text).not.toContain("'NaN'");
    });
    it('when the comparator is >=, then NaN is excluded too', () => {
      expect(compile('metrics.acc >= 1').text).toContain("m.value >= $5::double precision AND m.value <> 'NaN')");
    });
    it('when the comparator is !=, then it becomes <> (a run without the metric matches nothing)', () => {
      expect(compile('metrics.acc != 1').text).toContain('m.value <> $5::double precision)');
    });
  });

  describe('given param and tag filters', () => {
    it.each([
      ['params', 'param'],
      ['tags', 'tag'],
    ])('when filtering %s equality, then candidates come from run_keyed_values by key and the md5 of the value, checked on the run row', (column, kind) => {
      const query = compile(`${column}.model = 'cnn'`);
      const lookup = new RegExp(
        `AND r\\.run_id IN \\(SELECT k\\.run_id FROM tracking\\.run_keyed_values k WHERE k\\.workspace_id = (\\$\\d+) AND k\\.experiment_id = ANY\\((\\$\\d+)::text\\[\\]\\)` +
          ` AND k\\.kind = '${kind}' AND k\\.key = (\\$\\d+) AND k\\.value_md5 = md5\\((\\$\\d+)::text\\)::uuid\\) AND \\(r\\.${column} ->> \\3\\) = \\4$`,
        'm',
      );
      expect(boundIn(query, lookup)).toEqual(['ws-1', ['1', '2'], 'model', 'cnn']);
    });
    it('when LIKE and ILIKE are used, then they stay LIKE (case-sensitive) and ILIKE on the key\'s text', () => {
      const query = compile("params.a LIKE 'A%' AND tags.b ILIKE 'b%'");
      expect(boundIn(query, /AND \(r\.params ->> (\$\d+)\) LIKE (\$\d+)$/m)).toEqual(['a', 'A%']);
      expect(boundIn(query, /AND \(r\.tags ->> (\$\d+)\) ILIKE (\$\d+)$/m)).toEqual(['b', 'b%']);
    });
    it('when a param is compared with !=, then the key\'s text is compared (a missing key matches nothing)', () => {
      const query = compile("params.a != 'x'");
      expect(boundIn(query, /AND \(r\.params ->> (\$\d+)\) <> (\$\d+)$/m)).toEqual(['a', 'x']);
    });
    it('when two filters are given, then both are conditions, ANDed', () => {
      const query = compile("metrics.acc > 0.5 AND params.lr = '0.1'");
      expect(query.text).toMatch(/AND r\.run_id IN \(SELECT m\.run_id .* m\.value > \$5::double precision .*\n {2}AND r\.run_id IN \(SELECT k\.run_id/);
    });
  });

  describe('given attribute filters', () => {
    it('when filtering a string attribute, then the runs column is compared directly', () => {
      const query = compile("attributes.status = 'FINISHED' AND user_id != 'bob'");
      expect(boundIn(query, /AND r\.status = (\$\d+)/)).toEqual(['FINISHED']);
      expect(boundIn(query, /AND r\.user_id <> (\$\d+)/)).toEqual(['bob']);
    });
    it('when filtering run_name or its aliases, then the run_name column is compared', () => {
      const query = compile(`"Run name" LIKE 'best%' AND attributes.run_name ILIKE 'B%'`);
      expect(boundIn(query, /AND r\.run_name LIKE (\$\d+)/)).toEqual(['best%']);
      expect(boundIn(query, /AND r\.run_name ILIKE (\$\d+)/)).toEqual(['B%']);
    });
    it('when filtering run_id IN and NOT IN, then arrays are bound once each', () => {
      const query = compile("run_id IN ('a', 'b') AND attributes.run_id NOT IN ('c')");
      expect(boundIn(query, /AND r\.run_id = ANY\((\$\d+)::text\[\]\)/)).toEqual([['a', 'b']]);
      expect(boundIn(query, /AND r\.run_id <> ALL\((\$\d+)::text\[\]\)/)).toEqual([['c']]);
    });
    it('when filtering times with integers, then they are bound as bigint; fractions as numeric', () => {
      const query = compile('created >= 1700000000000 AND end_time < 1.5');
      expect(boundIn(query, /AND r\.start_time >= (\$\d+)::bigint/)).toEqual([1700000000000]);
      expect(boundIn(query, /AND r\.end_time < (\$\d+)::numeric/)).toEqual([1.5]);
    });
  });

  describe('given dataset filters', () => {
    it.each([
      ['name', 'dataset_name'],
      ['digest', 'dataset_digest'],
      ['context', 'context'],
    ])('when filtering dataset.%s, then an EXISTS on run_dataset_inputs compares %s', (key, column) => {
      const query = compile(`dataset.${key} = 'x'`);
      expect(
        boundIn(
          query,
          new RegExp(
            `EXISTS \\(SELECT 1 FROM tracking\\.run_dataset_inputs d WHERE d\\.workspace_id = r\\.workspace_id AND d\\.run_id = r\\.run_id AND d\\.${column} = (\\$\\d+)\\)`,
          ),
        ),
      ).toEqual(['x']);
    });
    it('when filtering dataset names IN a list, then the array is bound', () => {
      expect(boundIn(compile("datasets.name IN ('a', 'B')"), /d\.dataset_name = ANY\((\$\d+)::text\[\]\)/)).toEqual([['a', 'B']]);
    });
  });

  describe('given hostile keys and values', () => {
    it('when keys and values carry SQL, then they are only ever bound, never in the text', () => {
      const evil = "x'); DROP TABLE runs; --";
      const query = compile(`params.\`${evil}\` = "${evil}" AND tags."${evil}" LIKE '%' AND metrics.\`${evil}\` > 1`, [
        `metrics.\`${evil}\` DESC`,
      ]);
      expect(query.text).not.toContain('DROP');
      expect(query.values.filter((value) => value === evil)).toHaveLength(5);
    });
    it.each(['Tracking', 'tracking;drop', 'public.x', '1abc', ''])('when the schema is %j, then it is refused', (schema) => {
      expect(() => compile('', [], { schema })).toThrow('Not a safe SQL identifier');
    });
    it.each([
      [-1, 0],
      [1.5, 0],
      [10, -1],
      [10, Number.NaN],
    ])('when limit %d / offset %d are not row counts, then they are refused', (limit, offset) => {
      expect(() => compile('', [], { limit, offset })).toThrow(/^Invalid (limit|offset)/);
    });
  });

  describe('given order_by', () => {
    it('when ordering by a metric DESC, then it sorts the negated metric ascending, so NaN and then NULL come last', () => {
      const query = compile('', ['metrics.acc DESC']);
      expect(bound(query, '$4')).toBe('acc');
      expect(orderByLine(query)).toBe('-(r.metrics -> $4 ->> 0)::double precision ASC NULLS LAST, r.start_time DESC, r.run_id ASC');
    });
    it('when ordering by a metric ASC, then Postgres already ranks NaN above numbers and NULL last', () => {
      expect(orderByLine(compile('', ['metrics.acc']))).toBe('(r.metrics -> $4 ->> 0)::double precision ASC NULLS LAST, r.start_time DESC, r.run_id ASC');
    });
    it("when ordering by params and tags, then each sorts its key's text, NULLS LAST", () => {
      const query = compile('', ['params.lr DESC', 'tags.team']);
      expect(query.values.slice(3, 5)).toEqual(['lr', 'team']);
      expect(orderByLine(query)).toBe('(r.params ->> $4) DESC NULLS LAST, (r.tags ->> $5) ASC NULLS LAST, r.start_time DESC, r.run_id ASC');
    });
    it('when ordering by attributes, then columns are used with NULLS LAST and no join', () => {
      const query = compile('', ['attributes.end_time DESC', 'run_name']);
      expect(query.text).not.toContain('JOIN');
      expect(orderByLine(query)).toBe('r.end_time DESC NULLS LAST, r.run_name ASC NULLS LAST, r.start_time DESC, r.run_id ASC');
    });
    it('when start_time is ordered explicitly, then it is not repeated as the tie-break', () => {
      expect(orderByLine(compile('', ['created ASC']))).toBe('r.start_time ASC NULLS LAST, r.run_id ASC');
    });
    it('when ordering and filtering on the same metric, then filter and order each bind the key', () => {
      const query = compile('metrics.acc > 0', ['metrics.acc DESC']);
      expect(query.values.filter((value) => value === 'acc')).toHaveLength(2);
    });
  });
});

describe('compileRunSearch with OR groups', () => {
  const query = compile('', [], { filter: parseBooleanSearchFilter("(metrics.a > 1 OR params.b = 'x') AND tags.c = 'y'", RUN_SEARCH) });

  it('when a filter has an OR group, then its alternatives are one parenthesised condition ANDed with the rest', () => {
    expect(query.text).toContain(
      "AND ((r.run_id IN (SELECT m.run_id FROM tracking.latest_metrics m WHERE m.workspace_id = $1 AND m.experiment_id = ANY($2::text[]) AND m.key = $4 AND m.value > $5::double precision AND m.value <> 'NaN')) OR (r.run_id IN (SELECT k.run_id FROM tracking.run_keyed_values k WHERE k.workspace_id = $1 AND k.experiment_id = ANY($2::text[]) AND k.kind = 'param'",
    );
    expect(query.text).toMatch(/ = \$7\)\)\n {2}AND r\.run_id IN \(SELECT k\.run_id .* k\.kind = 'tag' .*\) AND \(r\.tags ->> \$8\) = \$9\n/);
  });
  it('when the same filter is counted, then the count has the same conditions and binds', () => {
    const count = compileRunCount({
      schema: 'tracking',
      workspaceId: 'ws-1',
      experimentIds: ['1', '2'],
      lifecycleStages: ['active'],
      filter: parseBooleanSearchFilter("(metrics.a > 1 OR params.b = 'x') AND tags.c = 'y'", RUN_SEARCH),
    });
    const conditions = (text: string) => text.slice(text.indexOf('WHERE'), text.indexOf('ORDER BY') === -1 ? undefined : text.indexOf('ORDER BY'));
    expect(count.text).toMatch(/^SELECT count\(\*\)/);
    expect(conditions(count.text)).toBe(conditions(query.text).trimEnd().replace(/\n$/, ''));
    expect(count.values).toEqual(query.values.slice(0, count.values.length));
  });
});
