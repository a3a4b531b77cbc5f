import type { OrderByClause } from './order-by.parser';
import type { Comparison } from './search-filter.parser';
import { compareColumn, pageClause, qualifiedTable, SqlParameters, type SqlQuery } from './search-sql';
import { ownValue } from './search-syntax';

export interface LoggedModelSearchRequest {
  readonly schema: string;
  readonly workspaceId: string;
  readonly experimentIds: readonly string[];
  readonly filter: readonly Comparison[];
  readonly orderBy: readonly OrderByClause[];
  readonly limit: number;
  readonly offset: number;
}

const MODEL_COLUMNS: Readonly<Record<string, string>> = {
  name: 'm.name',
  model_id: 'm.model_id',
  model_type: 'm.model_type',
  status: 'm.status',
  source_run_id: 'm.source_run_id',
  creation_timestamp: 'm.creation_time',
  last_updated_timestamp: 'm.last_updated_time',
};

/**
 * Compiles a logged-model search into one query returning model ids in order. Tags and params
 * live as jsonb maps on the row; metrics are the points logged against the model.
 */
export function compileLoggedModelSearch(request: LoggedModelSearchRequest): SqlQuery {
  const { schema } = request;
  const params = new SqlParameters();
  const where = [
    `m.workspace_id = ${params.add(request.workspaceId)}`,
    `m.experiment_id = ANY(${params.add(request.experimentIds)}::text[])`,
    'NOT m.deleted',
    ...request.filter.map((comparison) => modelCondition(schema, comparison, params)),
  ];
  const order = request.orderBy.map((clause) => {
    const direction = clause.ascending ? 'ASC' : 'DESC';
    if (clause.type === 'metric') {
      return (
        `(SELECT max(k.value) FROM ${qualifiedTable(schema, 'logged_model_metrics')} k` +
        ` WHERE k.workspace_id = m.workspace_id AND k.model_id = m.model_id AND k.key = ${params.add(clause.key)}) ${direction} NULLS LAST`
      );
    }
    return `${modelColumn(clause.key)} ${direction}`;
  });
  // MLflow's default: newest first; model_id keeps pages stable.
  order.push('m.creation_time DESC', 'm.model_id ASC');
  const text = [
    'SELECT m.model_id',
    `FROM ${qualifiedTable(schema, 'logged_models')} m`,
    `WHERE ${where.join('\n  AND ')}`,
    `ORDER BY ${order.join(', ')}`,
    pageClause(request.limit, request.offset, params),
  ].join('\n');
  return { text, values: params.values };
}

function modelCondition(schema: string, comparison: Comparison, params: SqlParameters): string {
  switch (comparison.type) {
    case 'attribute':
      return compareColumn(modelColumn(comparison.key), comparison, params, 'bigint');
    case 'tag':
    case 'param': {
      const column = comparison.type === 'tag' ? 'm.tags' : 'm.params';
      return compareColumn(`(${column} ->> ${params.add(comparison.key)})`, comparison, params, 'double precision');
    }
    case 'metric': {
      const key = params.add(comparison.key);
      const conditions = [compareColumn('k.value', comparison, params, 'double precision')];
      // As for runs: Postgres ranks NaN above every number; MLflow never orders NaN.
      if (comparison.comparator === '>' || comparison.comparator === '>=') conditions.push(`k.value <> 'NaN'`);
      return (
        `EXISTS (SELECT 1 FROM ${qualifiedTable(schema, 'logged_model_metrics')} k` +
        ` WHERE k.workspace_id = m.workspace_id AND k.model_id = m.model_id AND k.key = ${key} AND ${conditions.join(' AND ')})`
      );
    }
    case 'dataset':
      throw new Error('Logged models have no dataset filters');
  }
}

function modelColumn(key: string): string {
  const column = ownValue(MODEL_COLUMNS, key);
  if (column === undefined) throw new Error(`Not a logged model attribute: ${key}`);
  return column;
}
