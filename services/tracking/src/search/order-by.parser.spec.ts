import { InvalidArgument } from '@chronicle/errors';
import { parseOrderBy, parseOrderByClause, type OrderByClause } from './order-by.parser';
import { EXPERIMENT_SEARCH, RUN_SEARCH } from './search-entities';

function expectInvalid(parse: () => unknown, message: string | RegExp): void {
  expect(parse).toThrow(InvalidArgument);
  expect(parse).toThrow(message);
}

describe('parseOrderByClause for runs', () => {
  describe('given valid clauses', () => {
    it.each<[string, OrderByClause]>([
      ['metrics.acc DESC', { type: 'metric', key: 'acc', ascending: false }],
      ['metric.acc', { type: 'metric', key: 'acc', ascending: true }],
      ['params.lr ASC', { type: 'param', key: 'lr', ascending: true }],
      ['params.lr asc', { type: 'param', key: 'lr', ascending: true }],
      ['tags.`mlflow.runName` desc', { type: 'tag', key: 'mlflow.runName', ascending: false }],
      ['tags."a b" DESC', { type: 'tag', key: 'a b', ascending: false }],
      ['attributes.start_time', { type: 'attribute', key: 'start_time', ascending: true }],
      ['start_time DESC', { type: 'attribute', key: 'start_time', ascending: false }],
      ['created DESC', { type: 'attribute', key: 'start_time', ascending: false }],
      ['attr.run_name', { type: 'attribute', key: 'run_name', ascending: true }],
      ['run.end_time DESC', { type: 'attribute', key: 'end_time', ascending: false }],
      ['  metrics.acc   DESC  ', { type: 'metric', key: 'acc', ascending: false }],
    ])('when parsing %j, then it yields %j', (clause, expected) => {
      expect(parseOrderByClause(clause, RUN_SEARCH)).toEqual(expected);
    });
  });

  describe('given invalid clauses', () => {
    it.each(['', 'metrics.acc DESC extra', 'metrics.acc, params.b', 'metrics.acc = 1', "'acc'", 'DESC'])(
      'when parsing %j, then it cannot be parsed',
      (clause) => {
        expectInvalid(() => parseOrderByClause(clause, RUN_SEARCH), `Invalid order_by clause '${clause}'. Could not be parsed.`);
      },
    );
    it('when the direction is not ASC or DESC, then the ordering key is invalid', () => {
      expectInvalid(
        () => parseOrderByClause('metrics.acc DOWN', RUN_SEARCH),
        "Invalid ordering key in order_by clause 'metrics.acc DOWN'.",
      );
    });
    it('when the attribute is not orderable, then it is rejected', () => {
      expectInvalid(() => parseOrderByClause('attributes.lifecycle_stage', RUN_SEARCH), /^Invalid attribute key 'lifecycle_stage'/);
    });
    it('when ordering by a dataset field, then it is rejected', () => {
      expectInvalid(() => parseOrderByClause('dataset.name', RUN_SEARCH), 'Invalid order_by entity: dataset');
    });
    it('when the identifier type is unknown, then it is rejected', () => {
      expectInvalid(() => parseOrderByClause('foo.bar', RUN_SEARCH), /^Invalid entity type 'foo'/);
    });
    it('when a quote is not closed, then it cannot be parsed', () => {
      expectInvalid(() => parseOrderByClause('tags.`x', RUN_SEARCH), "Invalid order_by clause 'tags.`x'. Could not be parsed.");
    });
  });
});

describe('parseOrderBy', () => {
  it('when no order_by is given, then the list is empty', () => {
    expect(parseOrderBy(undefined, RUN_SEARCH)).toEqual([]);
  });
  it('when several clauses are given, then their order is kept', () => {
    expect(parseOrderBy(['metrics.acc DESC', 'params.lr'], RUN_SEARCH)).toEqual([
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'param', key: 'lr', ascending: true },
    ]);
  });
  it('when the same field appears twice (even via an alias), then it is rejected', () => {
    expectInvalid(
      () => parseOrderBy(['created DESC', 'attributes.start_time'], RUN_SEARCH),
      "`order_by` contains duplicate fields: ['created DESC', 'attributes.start_time']",
    );
  });
  it('when a metric and a param share a key, then they are different fields', () => {
    expect(parseOrderBy(['metrics.x', 'params.x'], RUN_SEARCH)).toHaveLength(2);
  });
});

describe('parseOrderByClause for experiments', () => {
  it.each<[string, OrderByClause]>([
    ['name', { type: 'attribute', key: 'name', ascending: true }],
    ['experiment_id DESC', { type: 'attribute', key: 'experiment_id', ascending: false }],
    ['attribute.creation_time DESC', { type: 'attribute', key: 'creation_time', ascending: false }],
    ['last_update_time', { type: 'attribute', key: 'last_update_time', ascending: true }],
  ])('when parsing %j, then it yields %j', (clause, expected) => {
    expect(parseOrderByClause(clause, EXPERIMENT_SEARCH)).toEqual(expected);
  });
  it('when ordering by a tag, then it is rejected', () => {
    expectInvalid(() => parseOrderByClause('tags.team', EXPERIMENT_SEARCH), 'Invalid order_by entity: tag');
  });
  it('when ordering by a metric, then the identifier type is unknown', () => {
    expectInvalid(() => parseOrderByClause('metrics.acc', EXPERIMENT_SEARCH), /^Invalid entity type 'metrics'/);
  });
  it('when ordering by a run attribute, then it is rejected', () => {
    expectInvalid(() => parseOrderByClause('start_time', EXPERIMENT_SEARCH), /^Invalid attribute key 'start_time'/);
  });
});
