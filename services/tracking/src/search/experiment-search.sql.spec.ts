import { compileExperimentSearch, type ExperimentSearchRequest } from './experiment-search.sql';
import { parseOrderBy } from './order-by.parser';
import { EXPERIMENT_SEARCH } from './search-entities';
import { parseSearchFilter } from './search-filter.parser';
import { type SqlQuery } from './search-sql';

function compile(filter = '', orderBy: string[] = [], overrides: Partial<ExperimentSearchRequest> = {}): SqlQuery {
  return compileExperimentSearch({
    schema: 'tracking',
    workspaceId: 'ws-1',
    readable: () => 'TRUE',
    lifecycleStages: ['active'],
    filter: parseSearchFilter(filter, EXPERIMENT_SEARCH),
    orderBy: parseOrderBy(orderBy, EXPERIMENT_SEARCH),
    limit: 1001,
    offset: 0,
    ...overrides,
  });
}

function boundIn(query: SqlQuery, pattern: RegExp): unknown[] {
  const match = pattern.exec(query.text);
  if (!match) throw new Error(`${pattern} not found in:\n${query.text}`);
  return match.slice(1).map((placeholder) => query.values[Number(placeholder?.slice(1)) - 1]);
}

function orderByLine(query: SqlQuery): string {
  return /^ORDER BY (.*)$/m.exec(query.text)?.[1] ?? '';
}

describe('compileExperimentSearch', () => {
  it("filters by the caller's read permission, with its values bound", () => {
    const query = compile('', [], { readable: (alias, bind) => `${alias}.workspace_id = ${bind('ws-1')} AND can_read(${alias}.experiment_id)` });
    expect(query.text).toMatch(/AND e\.workspace_id = \$3 AND can_read\(e\.experiment_id\)/);
    expect(query.values[2]).toBe('ws-1');
  });

  describe('given no filter and no order_by', () => {
    it("when compiled, then it uses MLflow's default order: creation_time DESC, experiment_id ASC", () => {
      const query = compile();
      expect(query.text).toBe(
        [
          'SELECT e.experiment_id',
          'FROM tracking.experiments e',
          'WHERE e.workspace_id = $1',
          '  AND e.lifecycle_stage = ANY($2::text[])',
          '  AND TRUE',
          'ORDER BY e.creation_time DESC, length(e.experiment_id) ASC, e.experiment_id ASC',
          'LIMIT $3 OFFSET $4',
        ].join('\n'),
      );
      expect(query.values).toEqual(['ws-1', ['active'], 1001, 0]);
    });
  });

  describe('given filters', () => {
    it('when filtering on name and times, then the columns are compared with bound values', () => {
      const query = compile("name ILIKE 'Exp%' AND creation_time >= 10 AND last_update_time != 3");
      expect(boundIn(query, /AND e\.name ILIKE (\$\d+)/)).toEqual(['Exp%']);
      expect(boundIn(query, /AND e\.creation_time >= (\$\d+)::bigint/)).toEqual([10]);
      expect(boundIn(query, /AND e\.last_update_time <> (\$\d+)::bigint/)).toEqual([3]);
    });
    it('when filtering on a tag, then an EXISTS on experiment_tags binds key and value', () => {
      const query = compile("tags.`team.name` LIKE 'vis%'");
      expect(
        boundIn(
          query,
          /AND EXISTS \(SELECT 1 FROM tracking\.experiment_tags t WHERE t\.workspace_id = e\.workspace_id AND t\.experiment_id = e\.experiment_id AND t\.key = (\$\d+) AND t\.value LIKE (\$\d+)\)/,
        ),
      ).toEqual(['team.name', 'vis%']);
    });
    it('when the filter carries SQL, then it is only bound', () => {
      const query = compile(`name = "'; DROP TABLE experiments; --"`);
      expect(query.text).not.toContain('DROP');
    });
  });

  describe('given order_by', () => {
    it('when experiment_id is not named, then ties break by experiment_id DESC', () => {
      expect(orderByLine(compile('', ['name']))).toBe('e.name ASC, length(e.experiment_id) DESC, e.experiment_id DESC');
    });
    it('when experiment_id is named, then it is the only experiment_id order', () => {
      expect(orderByLine(compile('', ['last_update_time DESC', 'experiment_id']))).toBe(
        'e.last_update_time DESC, length(e.experiment_id) ASC, e.experiment_id ASC',
      );
    });
    it('when a tag order reaches the compiler anyway, then it is refused', () => {
      expect(() => compile('', [], { orderBy: [{ type: 'tag', key: 'x', ascending: true }] })).toThrow(
        'Experiments order only by attributes',
      );
    });
  });
});
