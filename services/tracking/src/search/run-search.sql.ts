import { type OrderByClause } from './order-by.parser';
import { type Comparison, type SearchFilter } from './search-filter.parser';
import { compareColumn, filterConditions, pageClause, qualifiedTable, SqlParameters, type SqlQuery } from './search-sql';
import { ownValue } from './search-syntax';
import { type LifecycleStage } from './view-type';

export interface RunSearchRequest {
  /** The read model's schema, from code (validated as a plain identifier). */
  readonly schema: string;
  readonly workspaceId: string;
  readonly experimentIds: readonly string[];
  readonly lifecycleStages: readonly LifecycleStage[];
  readonly filter: SearchFilter;
  readonly orderBy: readonly OrderByClause[];
  readonly limit: number;
  readonly offset: number;
}

export type RunCountRequest = Omit<RunSearchRequest, 'orderBy' | 'limit' | 'offset'>;

// Run attributes that filters and order_by may name, and their columns.
const RUN_COLUMNS: Readonly<Record<string, string>> = {
  run_id: 'r.run_id',
  // MLflow compares run_name against the mlflow.runName tag because its runs.name column is empty
  // for runs logged before MLflow 1.30; our projection keeps runs.run_name and that tag in step.
  run_name: 'r.run_name',
  user_id: 'r.user_id',
  status: 'r.status',
  artifact_uri: 'r.artifact_uri',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

// The run row's copies of its params, tags and latest metrics (runs projection), which order_by
// and the filters without an index of their own read. Under row-level security Postgres only uses
// an index for a condition whose functions are leakproof, and no jsonb operator is: param and tag
// equality first find their candidates in run_keyed_values (keyedEquality), metric comparisons
// read latest_metrics (latestMetricCondition).
const KEYED_COLUMNS = { metric: 'r.metrics', param: 'r.params', tag: 'r.tags' } as const;

const DATASET_COLUMNS: Readonly<Record<string, string>> = {
  name: 'd.dataset_name',
  digest: 'd.dataset_digest',
  context: 'd.context',
};

/**
 * Compiles a runs search into one parameterised query returning `columns` (over `runs r`; the run
 * ids by default) of the matching runs, in order. Metric filters, param and tag equality and
 * datasets are semi-joins on tables of their own; the other conditions and the sort keys read the
 * run row's jsonb copies.
 */
export function compileRunSearch(request: RunSearchRequest, columns = 'r.run_id'): SqlQuery {
  const params = new SqlParameters();
  const where = runWhere(request, params);
  const order: string[] = [];
  for (const clause of request.orderBy) {
    const direction = clause.ascending ? 'ASC' : 'DESC';
    if (clause.type === 'attribute') {
      order.push(`${runColumn(clause.key)} ${direction} NULLS LAST`);
      continue;
    }
    const value = keyedValue(clause.type, params.add(clause.key));
    if (clause.type === 'metric') {
      // MLflow sorts NaN after every number and NULL (no such metric) after NaN, in both directions.
      // Postgres ranks NaN above every number, so ascending puts it there already; descending sorts
      // the negated value ascending, as -NaN is NaN. One sort key reads the jsonb once per run: a
      // NaN/NULL rank beside the value read it three times, about 9% of the bench search's statement.
      order.push(`${clause.ascending ? value : `-${value}`} ASC NULLS LAST`);
    } else {
      order.push(`${value} ${direction} NULLS LAST`);
    }
  }
  if (!request.orderBy.some((clause) => clause.type === 'attribute' && clause.key === 'start_time')) {
    order.push('r.start_time DESC');
  }
  order.push('r.run_id ASC');
  const text = [
    `SELECT ${columns}`,
    `FROM ${qualifiedTable(request.schema, 'runs')} r`,
    `WHERE ${where}`,
    `ORDER BY ${order.join(', ')}`,
    pageClause(request.limit, request.offset, params),
  ].join('\n');
  return { text, values: params.values };
}

/** How many runs a search matches: the same conditions as `compileRunSearch`, counted. */
export function compileRunCount(request: RunCountRequest): SqlQuery {
  const params = new SqlParameters();
  const where = runWhere(request, params);
  return { text: `SELECT count(*)::int AS count FROM ${qualifiedTable(request.schema, 'runs')} r WHERE ${where}`, values: params.values };
}

/** The placeholders of a search's workspace and experiment ids, which keyed lookups bind again. */
interface Scope {
  readonly schema: string;
  readonly workspaceId: string;
  readonly experimentIds: string;
}

function runWhere(request: RunCountRequest, params: SqlParameters): string {
  const scope: Scope = { schema: request.schema, workspaceId: params.add(request.workspaceId), experimentIds: params.add(request.experimentIds) };
  return [
    `r.workspace_id = ${scope.workspaceId}`,
    `r.experiment_id = ANY(${scope.experimentIds}::text[])`,
    `r.lifecycle_stage = ANY(${params.add(request.lifecycleStages)}::text[])`,
    ...filterConditions(request.filter, (comparison) => runCondition(scope, comparison, params)),
  ].join('\n  AND ');
}

function runCondition(scope: Scope, comparison: Comparison, params: SqlParameters): string {
  const { schema } = scope;
  switch (comparison.type) {
    case 'attribute':
      return compareColumn(runColumn(comparison.key), comparison, params, 'bigint');
    case 'dataset': {
      const column = ownValue(DATASET_COLUMNS, comparison.key);
      if (column === undefined) throw new Error(`Not a dataset field: ${comparison.key}`);
      return (
        `EXISTS (SELECT 1 FROM ${qualifiedTable(schema, 'run_dataset_inputs')} d` +
        ` WHERE d.workspace_id = r.workspace_id AND d.run_id = r.run_id AND ${compareColumn(column, comparison, params, 'bigint')})`
      );
    }
    case 'param':
    case 'tag':
      if (comparison.comparator === '=' && typeof comparison.value === 'string') {
        return keyedEquality(scope, comparison.type, comparison.key, comparison.value, params);
      }
      // other comparisons read the run row
      return compareColumn(keyedValue(comparison.type, params.add(comparison.key)), comparison, params, 'double precision');
    case 'metric':
      return latestMetricCondition(scope, comparison, params);
  }
}

/**
 * The runs whose latest value of a metric passes the comparison, from latest_metrics' index on
 * (workspace, experiment, key, value): float8 comparisons are leakproof, so the index serves them
 * under row-level security, and it holds the run ids, so the table is not read.
 */
function latestMetricCondition(scope: Scope, comparison: Comparison, params: SqlParameters): string {
  const key = params.add(comparison.key);
  const condition = compareColumn('m.value', comparison, params, 'double precision');
  // Postgres ranks NaN above every number, so NaN > x would hold; MLflow never matches NaN with an
  // ordering comparison.
  const notNaN = comparison.comparator === '>' || comparison.comparator === '>=' ? ` AND m.value <> 'NaN'` : '';
  return (
    `r.run_id IN (SELECT m.run_id FROM ${qualifiedTable(scope.schema, 'latest_metrics')} m` +
    ` WHERE m.workspace_id = ${scope.workspaceId} AND m.experiment_id = ANY(${scope.experimentIds}::text[])` +
    ` AND m.key = ${key} AND ${condition}${notNaN})`
  );
}

/**
 * The runs whose param or tag `key` is `value`. Candidates come from run_keyed_values' index on
 * (workspace, experiment, kind, key, value_md5), whose operators are all leakproof, so row-level
 * security lets the planner scan it, and only it. The run row's own value then settles md5
 * collisions.
 */
function keyedEquality(scope: Scope, kind: 'param' | 'tag', key: string, value: string, params: SqlParameters): string {
  const k = params.add(key);
  const v = params.add(value);
  return (
    `r.run_id IN (SELECT k.run_id FROM ${qualifiedTable(scope.schema, 'run_keyed_values')} k` +
    ` WHERE k.workspace_id = ${scope.workspaceId} AND k.experiment_id = ANY(${scope.experimentIds}::text[])` +
    ` AND k.kind = '${kind}' AND k.key = ${k} AND k.value_md5 = md5(${v}::text)::uuid)` +
    ` AND ${keyedValue(kind, k)} = ${v}`
  );
}

/**
 * A key's value on the run row, NULL when the run has no such key. Metrics are stored as
 * [value as text, timestamp, step]: the text keeps NaN and ±Infinity, which JSON cannot.
 */
function keyedValue(type: keyof typeof KEYED_COLUMNS, key: string): string {
  return type === 'metric' ? `(${KEYED_COLUMNS.metric} -> ${key} ->> 0)::double precision` : `(${KEYED_COLUMNS[type]} ->> ${key})`;
}

function runColumn(key: string): string {
  const column = ownValue(RUN_COLUMNS, key);
  if (column === undefined) throw new Error(`Not a run attribute: ${key}`);
  return column;
}
