import { type OrderByClause } from './order-by.parser';
import { type Comparison, type SearchFilter } from './search-filter.parser';
import type { Bind } from '@chronicle/authz';
import { compareColumn, filterConditions, pageClause, qualifiedTable, SqlParameters, type SqlQuery, type SqlValue } from './search-sql';
import { ownValue } from './search-syntax';
import { type LifecycleStage } from './view-type';

export interface ExperimentSearchRequest {
  /** The read model's schema, from code (validated as a plain identifier). */
  readonly schema: string;
  readonly workspaceId: string;
  /** The caller's read permission as a SQL condition on the experiments row `alias`. */
  readonly readable: (alias: string, bind: Bind) => string;
  readonly lifecycleStages: readonly LifecycleStage[];
  readonly filter: SearchFilter;
  readonly orderBy: readonly OrderByClause[];
  /** MLflow fetches max_results + 1 rows to know whether another page exists. */
  readonly limit: number;
  readonly offset: number;
}

export type ExperimentCountRequest = Omit<ExperimentSearchRequest, 'orderBy' | 'limit' | 'offset'>;

const EXPERIMENT_COLUMNS: Readonly<Record<string, string>> = {
  name: 'e.name',
  creation_time: 'e.creation_time',
  last_update_time: 'e.last_update_time',
};

// MLflow's default order when order_by is empty.
const DEFAULT_ORDER: readonly OrderByClause[] = [
  { type: 'attribute', key: 'creation_time', ascending: false },
  { type: 'attribute', key: 'experiment_id', ascending: true },
];

/** Compiles an experiments search into one parameterised query returning experiment ids, in order. */
export function compileExperimentSearch(request: ExperimentSearchRequest): SqlQuery {
  const { schema } = request;
  const params = new SqlParameters();
  const where = experimentWhere(request, params);
  const orderBy = request.orderBy.length > 0 ? request.orderBy : DEFAULT_ORDER;
  const order = orderBy.map((clause) => {
    if (clause.type !== 'attribute') throw new Error(`Experiments order only by attributes, not ${clause.type}`);
    return experimentOrder(clause.key, clause.ascending);
  });
  // MLflow breaks ties by experiment_id, newest first.
  if (!orderBy.some((clause) => clause.key === 'experiment_id')) order.push(experimentOrder('experiment_id', false));
  const text = [
    'SELECT e.experiment_id',
    `FROM ${qualifiedTable(schema, 'experiments')} e`,
    `WHERE ${where}`,
    `ORDER BY ${order.join(', ')}`,
    pageClause(request.limit, request.offset, params),
  ].join('\n');
  return { text, values: params.values };
}

/** How many experiments a search matches: the same conditions as `compileExperimentSearch`, counted. */
export function compileExperimentCount(request: ExperimentCountRequest): SqlQuery {
  const params = new SqlParameters();
  const where = experimentWhere(request, params);
  return { text: `SELECT count(*)::int AS count FROM ${qualifiedTable(request.schema, 'experiments')} e WHERE ${where}`, values: params.values };
}

function experimentWhere(request: ExperimentCountRequest, params: SqlParameters): string {
  return [
    `e.workspace_id = ${params.add(request.workspaceId)}`,
    `e.lifecycle_stage = ANY(${params.add(request.lifecycleStages)}::text[])`,
    request.readable('e', (value) => params.add(value as SqlValue)),
    ...filterConditions(request.filter, (comparison) => experimentCondition(request.schema, comparison, params)),
  ].join('\n  AND ');
}

function experimentCondition(schema: string, comparison: Comparison, params: SqlParameters): string {
  if (comparison.type === 'attribute') {
    return compareColumn(experimentColumn(comparison.key), comparison, params, 'bigint');
  }
  if (comparison.type !== 'tag') throw new Error(`Experiments filter only on attributes and tags, not ${comparison.type}`);
  return (
    `EXISTS (SELECT 1 FROM ${qualifiedTable(schema, 'experiment_tags')} t` +
    ` WHERE t.workspace_id = e.workspace_id AND t.experiment_id = e.experiment_id` +
    ` AND t.key = ${params.add(comparison.key)} AND ${compareColumn('t.value', comparison, params, 'bigint')})`
  );
}

function experimentOrder(key: string, ascending: boolean): string {
  const direction = ascending ? 'ASC' : 'DESC';
  // MLflow's experiment ids are integers; ordering by length first sorts numeric ids numerically
  // ('9' before '10') and leaves fixed-length ids in plain text order.
  if (key === 'experiment_id') return `length(e.experiment_id) ${direction}, e.experiment_id ${direction}`;
  return `${experimentColumn(key)} ${direction}`;
}

function experimentColumn(key: string): string {
  const column = ownValue(EXPERIMENT_COLUMNS, key);
  if (column === undefined) throw new Error(`Not an experiment attribute: ${key}`);
  return column;
}
