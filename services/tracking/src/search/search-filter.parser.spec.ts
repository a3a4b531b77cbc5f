import { InvalidArgument } from '@chronicle/errors';
import { EXPERIMENT_SEARCH, RUN_SEARCH } from './search-entities';
import { parseBooleanSearchFilter, parseSearchFilter, type Comparison } from './search-filter.parser';

const runs = (filter: string | undefined) => parseSearchFilter(filter, RUN_SEARCH);
const experiments = (filter: string) => parseSearchFilter(filter, EXPERIMENT_SEARCH);

function expectInvalid(parse: () => unknown, message: string | RegExp): void {
  let caught: unknown;
  try {
    parse();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArgument);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

describe('parseSearchFilter for runs', () => {
  describe('given no filter', () => {
    it.each([undefined, '', '   '])('when the filter is %j, then it matches everything', (filter) => {
      expect(runs(filter)).toEqual([]);
    });
  });

  describe('given one comparison per identifier type', () => {
    it.each<[string, Comparison]>([
      ['metrics.acc > 0.9', { type: 'metric', key: 'acc', comparator: '>', value: 0.9 }],
      ['metric.loss <= -1.5e-3', { type: 'metric', key: 'loss', comparator: '<=', value: -0.0015 }],
      ['metrics.step = 10', { type: 'metric', key: 'step', comparator: '=', value: 10 }],
      ["params.lr = '0.1'", { type: 'param', key: 'lr', comparator: '=', value: '0.1' }],
      ['param.lr != "0.1"', { type: 'param', key: 'lr', comparator: '!=', value: '0.1' }],
      ["parameter.opt LIKE 'ad%'", { type: 'param', key: 'opt', comparator: 'LIKE', value: 'ad%' }],
      ["parameters.opt ILIKE 'AD%'", { type: 'param', key: 'opt', comparator: 'ILIKE', value: 'AD%' }],
      ["tags.team = 'vision'", { type: 'tag', key: 'team', comparator: '=', value: 'vision' }],
      ["tag.team = 'vision'", { type: 'tag', key: 'team', comparator: '=', value: 'vision' }],
      ["attributes.status = 'FINISHED'", { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' }],
      ["attribute.user_id = 'ada'", { type: 'attribute', key: 'user_id', comparator: '=', value: 'ada' }],
      ["attr.artifact_uri LIKE 's3://%'", { type: 'attribute', key: 'artifact_uri', comparator: 'LIKE', value: 's3://%' }],
      ["run.status != 'FAILED'", { type: 'attribute', key: 'status', comparator: '!=', value: 'FAILED' }],
      ["status = 'RUNNING'", { type: 'attribute', key: 'status', comparator: '=', value: 'RUNNING' }],
      ['start_time >= 1700000000000', { type: 'attribute', key: 'start_time', comparator: '>=', value: 1700000000000 }],
      ['attributes.end_time < 5', { type: 'attribute', key: 'end_time', comparator: '<', value: 5 }],
      ["dataset.name = 'train'", { type: 'dataset', key: 'name', comparator: '=', value: 'train' }],
      ["datasets.digest LIKE 'ab%'", { type: 'dataset', key: 'digest', comparator: 'LIKE', value: 'ab%' }],
      ["datasets.context IN ('train', 'eval')", { type: 'dataset', key: 'context', comparator: 'IN', value: ['train', 'eval'] }],
    ])('when parsing %s, then it yields one typed comparison', (filter, expected) => {
      expect(runs(filter)).toEqual([expected]);
    });
  });

  describe('given quoted keys', () => {
    it('when the key is backticked, then dots inside it belong to the key', () => {
      expect(runs("tags.`mlflow.runName` = 'x'")).toEqual([
        { type: 'tag', key: 'mlflow.runName', comparator: '=', value: 'x' },
      ]);
    });
    it('when the key is double-quoted, then spaces inside it belong to the key', () => {
      expect(runs('params."a b" = \'1\'')).toEqual([{ type: 'param', key: 'a b', comparator: '=', value: '1' }]);
    });
    it('when the identifier type itself is backticked, then it is still recognised', () => {
      expect(runs('`metrics`.acc > 1')).toEqual([{ type: 'metric', key: 'acc', comparator: '>', value: 1 }]);
    });
    it('when an unquoted key has dots, then everything after the first dot is the key (as in MLflow)', () => {
      expect(runs("tags.mlflow.source.type = 'LOCAL'")).toEqual([
        { type: 'tag', key: 'mlflow.source.type', comparator: '=', value: 'LOCAL' },
      ]);
    });
    it('when a value contains quotes of the other kind or AND, then it stays one value', () => {
      expect(runs(`tags.note = "it's a AND b" AND params.p = 'say "hi"'`)).toEqual([
        { type: 'tag', key: 'note', comparator: '=', value: "it's a AND b" },
        { type: 'param', key: 'p', comparator: '=', value: 'say "hi"' },
      ]);
    });
  });

  describe('given attribute aliases', () => {
    it.each(['"run name"', '"Run name"', '`Run Name`', 'attributes.`run name`', 'run_name'])(
      'when the run name is written as %s, then the key is run_name',
      (identifier) => {
        expect(runs(`${identifier} = 'best'`)).toEqual([
          { type: 'attribute', key: 'run_name', comparator: '=', value: 'best' },
        ]);
      },
    );
    it.each(['created', 'Created', 'attributes.created'])('when %s is used, then the key is start_time', (identifier) => {
      expect(runs(`${identifier} > 10`)).toEqual([
        { type: 'attribute', key: 'start_time', comparator: '>', value: 10 },
      ]);
    });
  });

  describe('given keywords in any case', () => {
    it('when and/like/ilike/in/not in are lower-case, then comparators come back upper-cased', () => {
      expect(
        runs("params.a like 'x%' and tags.b iLike 'y' AnD attributes.run_id not in ('abc') and run_id in ('def')"),
      ).toEqual([
        { type: 'param', key: 'a', comparator: 'LIKE', value: 'x%' },
        { type: 'tag', key: 'b', comparator: 'ILIKE', value: 'y' },
        { type: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['abc'] },
        { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['def'] },
      ]);
    });
  });

  describe('given run_id lists', () => {
    it('when ids contain upper-case letters, then they are dropped like MLflow does', () => {
      expect(runs("attributes.run_id IN ('abc', 'ABC', 'a1b2')")).toEqual([
        { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['abc', 'a1b2'] },
      ]);
    });
    it('when a list is used on another attribute, then it is rejected', () => {
      expectInvalid(
        () => runs("attributes.status IN ('FINISHED')"),
        "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
      );
    });
    it('when the list is empty, then it is rejected', () => {
      expectInvalid(
        () => runs('run_id IN ()'),
        'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
      );
    });
    it.each(['(\'a\', "b")', "('a', 1)"])('when the list %s holds something other than single-quoted strings, then it is rejected', (list) => {
      expectInvalid(
        () => runs(`run_id IN ${list}`),
        `While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ${list}`,
      );
    });
    it.each(["('a' 'b')", "('a',)", "(,'a')"])('when the list %s is ill-formed, then it is rejected', (list) => {
      expectInvalid(() => runs(`run_id IN ${list}`), /but got ill-formed list\.$/);
    });
    it('when IN is not followed by a list, then the clause is invalid', () => {
      expectInvalid(() => runs("run_id IN 'a'"), "Invalid clause(s) in filter string: 'run_id IN', ''a''");
    });
  });

  describe('given what MLflow does not allow', () => {
    it('when clauses are joined by OR, then OR is reported as an invalid clause', () => {
      expectInvalid(() => runs("metrics.a > 1 OR params.b = 'x'"), "Invalid clause(s) in filter string: 'OR'");
    });
    it('when parentheses group clauses, then the group is reported', () => {
      expectInvalid(
        () => runs("(metrics.a > 1 AND params.b = 'x') AND tags.c = 'y'"),
        "Invalid clause(s) in filter string: '(metrics.a > 1 AND params.b = 'x')'",
      );
    });
    it('when an identifier has no comparison, then it is reported', () => {
      expectInvalid(() => runs('metrics.a'), "Invalid clause(s) in filter string: 'metrics.a'");
    });
    it('when a quote is not closed, then the filter cannot be parsed', () => {
      expectInvalid(() => runs("params.a = 'x"), "Invalid filter 'params.a = 'x'. Could not be parsed.");
    });
    it('when the identifier type is unknown, then it is rejected', () => {
      expectInvalid(() => runs('metricz.a > 1'), /^Invalid entity type 'metricz'\. Valid values are \['metric', /);
    });
    it('when the type is double-quoted, then it is not a known type (MLflow trims only backticks)', () => {
      expectInvalid(() => runs('"metrics".a > 1'), /^Invalid entity type '"metrics"'/);
    });
    it('when an inherited property name is used as the type, then it is still unknown', () => {
      expectInvalid(() => runs('constructor.a > 1'), /^Invalid entity type 'constructor'/);
    });
    it.each(['lifecycle_stage', 'experiment_id', 'toString'])('when the attribute %s is not searchable, then it is rejected', (key) => {
      expectInvalid(() => runs(`attributes.${key} = 'x'`), new RegExp(`^Invalid attribute key '${key}' specified\\. Valid keys are`));
    });
    it('when the dataset key is unknown, then it is rejected', () => {
      expectInvalid(() => runs("dataset.source = 'x'"), /^Invalid dataset key 'source' specified/);
    });
  });

  describe('given badly typed values', () => {
    it.each([
      ["metrics.a > '1'", "Expected numeric value type for metric. Found '1'"],
      ['metrics.a > abc', 'Expected numeric value type for metric. Found abc'],
      ['start_time > "5"', 'Expected numeric value type for numeric attribute: start_time. Found "5"'],
      ["created > 'x'", "Expected numeric value type for numeric attribute: created. Found 'x'"],
      ['params.a = 1', "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 1"],
      ['tags.a = 1', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"],
      ['status = 3', 'Expected a quoted string value for attributes. Got value 3'],
      ['dataset.name = 3', 'Expected a quoted string value for dataset attributes. Got value 3'],
      [
        'params.a = abc',
        'Parameter value is either not quoted or unidentified quote types used for string value abc. Use either single or double quotes.',
      ],
    ])('when parsing %s, then it says: %s', (filter, message) => {
      expectInvalid(() => runs(filter), message);
    });
  });

  describe('given comparators outside the allowed set', () => {
    it.each([
      ["metrics.a LIKE 1", "Invalid comparator 'LIKE' not one of '{'>', '>=', '!=', '=', '<', '<='}'"],
      ["params.a > 'x'", "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE'}'"],
      ["tags.a IN ('x')", "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('x')"],
      ["status < 'x'", "Invalid comparator '<' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"],
      ['start_time LIKE 1', "Invalid comparator 'LIKE' not one of '{'>', '>=', '!=', '=', '<', '<='}'"],
      ["dataset.name > 'x'", "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"],
      ["params.a <> 'x'", "Invalid comparator '<>' not one of '{'!=', '=', 'LIKE', 'ILIKE'}'"],
      ["params.a RLIKE 'x'", "Invalid comparator 'RLIKE' not one of '{'!=', '=', 'LIKE', 'ILIKE'}'"],
      ['metrics.a == 1', "Invalid comparator '==' not one of '{'>', '>=', '!=', '=', '<', '<='}'"],
    ])('when parsing %s, then it says: %s', (filter, message) => {
      expectInvalid(() => runs(filter), message);
    });
  });

  describe('given several comparisons', () => {
    it('when joined by AND, then they come back in order', () => {
      expect(runs("metrics.acc >= 0.5 AND params.model = 'cnn' AND attributes.start_time > 0")).toEqual([
        { type: 'metric', key: 'acc', comparator: '>=', value: 0.5 },
        { type: 'param', key: 'model', comparator: '=', value: 'cnn' },
        { type: 'attribute', key: 'start_time', comparator: '>', value: 0 },
      ]);
    });
  });
});

describe('parseSearchFilter for experiments', () => {
  it('when filtering on name and tags, then both are typed comparisons', () => {
    expect(experiments("name LIKE 'exp%' AND tags.team = 'a' AND attribute.creation_time > 5")).toEqual([
      { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'exp%' },
      { type: 'tag', key: 'team', comparator: '=', value: 'a' },
      { type: 'attribute', key: 'creation_time', comparator: '>', value: 5 },
    ]);
  });
  it.each(['metrics.a > 1', "params.a = 'x'", "attributes.name = 'x'", "run.name = 'x'"])(
    'when the identifier type of %s is not allowed for experiments, then it is rejected',
    (filter) => {
      expectInvalid(() => experiments(filter), /^Invalid entity type '\w+'\. Valid values are \['attribute', 'tag', 'tags'\]$/);
    },
  );
  it('when a run attribute is used, then it is rejected', () => {
    expectInvalid(() => experiments("status = 'x'"), /^Invalid attribute key 'status' specified/);
  });
  it('when name is compared with IN, then it is rejected', () => {
    expectInvalid(
      () => experiments("name IN ('a')"),
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    );
  });
  it('when a time is compared with LIKE, then it is rejected', () => {
    expectInvalid(() => experiments('last_update_time LIKE 5'), /^Invalid comparator 'LIKE'/);
  });
  it('when a name is compared with >, then it is rejected', () => {
    expectInvalid(() => experiments("name > 'a'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE'}'");
  });
});

describe('parseBooleanSearchFilter (the dashboard grammar: MLflow plus OR and parentheses)', () => {
  const boolean = (filter: string) => parseBooleanSearchFilter(filter, RUN_SEARCH);
  const a: Comparison = { type: 'metric', key: 'a', comparator: '>', value: 1 };
  const b: Comparison = { type: 'param', key: 'b', comparator: '=', value: 'x' };
  const c: Comparison = { type: 'tag', key: 'c', comparator: '=', value: 'y' };

  it('when a filter only uses AND, then it parses exactly as MLflow would', () => {
    const filter = "metrics.a > 1 AND params.b = 'x' and tags.c = 'y'";
    expect(boolean(filter)).toEqual(runs(filter));
  });
  it('when clauses are joined by OR, then AND binds tighter', () => {
    expect(boolean("metrics.a > 1 OR params.b = 'x' AND tags.c = 'y'")).toEqual([{ type: 'or', alternatives: [[a], [b, c]] }]);
  });
  it('when parentheses group an OR, then the group is one conjunct', () => {
    expect(boolean("(metrics.a > 1 or params.b = 'x') AND tags.c = 'y'")).toEqual([{ type: 'or', alternatives: [[a], [b]] }, c]);
  });
  it('when groups nest, then the nesting is kept', () => {
    expect(boolean("((metrics.a > 1)) OR (params.b = 'x' OR tags.c = 'y')")).toEqual([
      { type: 'or', alternatives: [[a], [{ type: 'or', alternatives: [[b], [c]] }]] },
    ]);
  });
  it('when a comparison inside an OR is invalid, then it fails with MLflow\'s message for it', () => {
    expectInvalid(() => boolean("metrics.a > 1 OR params.b = 1"), /Expected a quoted string value for parameter/);
  });
  it.each(["(metrics.a > 1", "metrics.a > 1 OR", "OR metrics.a > 1", "metrics.a > 1 params.b = 'x'", '()'])(
    'when the filter %j is malformed, then it cannot be parsed',
    (filter) => {
      expectInvalid(() => boolean(filter), `Invalid filter '${filter}'. Could not be parsed.`);
    },
  );
});
