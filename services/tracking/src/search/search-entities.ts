/** What a filter or order_by clause can name: MLflow's identifier types, canonical spelling. */
export type FilterType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export type ListComparator = 'IN' | 'NOT IN';
export type NumericComparator = '>' | '>=' | '=' | '!=' | '<' | '<=';
export type PatternComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
export type ScalarComparator = NumericComparator | PatternComparator;
export type Comparator = ScalarComparator | ListComparator;

// Listed in MLflow's order so error messages read like MLflow's.
export const NUMERIC_COMPARATORS: readonly Comparator[] = ['>', '>=', '!=', '=', '<', '<='];
export const PATTERN_COMPARATORS: readonly Comparator[] = ['!=', '=', 'LIKE', 'ILIKE'];
export const LIST_COMPARATORS: readonly Comparator[] = [...PATTERN_COMPARATORS, 'IN', 'NOT IN'];

export interface AttributeSpec {
  readonly kind: 'string' | 'numeric';
  readonly comparators: readonly Comparator[];
  /** Whether `IN ('a', 'b')` lists are accepted (MLflow: only run_id for runs). */
  readonly acceptsList?: boolean;
}

/**
 * One searchable entity: the identifier spellings it accepts, its attributes and what can be
 * ordered. Registered models and model versions get their own rows later.
 */
export interface SearchEntity {
  readonly name: 'runs' | 'experiments' | 'logged_models';
  /** Every accepted spelling of an identifier prefix (`metrics.`, `params.`, ...). */
  readonly identifiers: Readonly<Record<string, FilterType>>;
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
  /** Alternative attribute spellings mapped to their canonical key. */
  readonly attributeAliases: Readonly<Record<string, string>>;
  readonly datasetKeys: readonly string[];
  readonly orderableTypes: readonly FilterType[];
  readonly orderableAttributes: readonly string[];
}

const STRING_ATTRIBUTE: AttributeSpec = { kind: 'string', comparators: LIST_COMPARATORS };
const NUMERIC_ATTRIBUTE: AttributeSpec = { kind: 'numeric', comparators: NUMERIC_COMPARATORS };

export const RUN_SEARCH: SearchEntity = {
  name: 'runs',
  identifiers: {
    metric: 'metric',
    metrics: 'metric',
    parameter: 'param',
    parameters: 'param',
    param: 'param',
    params: 'param',
    tag: 'tag',
    tags: 'tag',
    attribute: 'attribute',
    attributes: 'attribute',
    attr: 'attribute',
    run: 'attribute',
    dataset: 'dataset',
    datasets: 'dataset',
  },
  // MLflow's RunInfo searchable attributes; lifecycle_stage is deliberately not one of them.
  attributes: {
    run_id: { ...STRING_ATTRIBUTE, acceptsList: true },
    run_name: STRING_ATTRIBUTE,
    user_id: STRING_ATTRIBUTE,
    status: STRING_ATTRIBUTE,
    artifact_uri: STRING_ATTRIBUTE,
    start_time: NUMERIC_ATTRIBUTE,
    end_time: NUMERIC_ATTRIBUTE,
  },
  attributeAliases: {
    created: 'start_time',
    Created: 'start_time',
    'run name': 'run_name',
    'Run name': 'run_name',
    'Run Name': 'run_name',
  },
  datasetKeys: ['name', 'digest', 'context'],
  orderableTypes: ['metric', 'param', 'tag', 'attribute'],
  orderableAttributes: ['artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id'],
};

export const EXPERIMENT_SEARCH: SearchEntity = {
  name: 'experiments',
  // MLflow accepts only `attribute.`, `tag.` and `tags.` (or a bare key) for experiments.
  identifiers: { attribute: 'attribute', tag: 'tag', tags: 'tag' },
  attributes: {
    name: { kind: 'string', comparators: PATTERN_COMPARATORS },
    creation_time: NUMERIC_ATTRIBUTE,
    last_update_time: NUMERIC_ATTRIBUTE,
  },
  attributeAliases: {},
  datasetKeys: [],
  orderableTypes: ['attribute'],
  orderableAttributes: ['name', 'experiment_id', 'creation_time', 'last_update_time'],
};

// MLflow 3 logged models (mlflow/utils/search_utils.py SearchLoggedModelsUtils).
export const LOGGED_MODEL_SEARCH: SearchEntity = {
  name: 'logged_models',
  identifiers: {
    metric: 'metric',
    metrics: 'metric',
    param: 'param',
    params: 'param',
    parameter: 'param',
    parameters: 'param',
    tag: 'tag',
    tags: 'tag',
    attribute: 'attribute',
    attributes: 'attribute',
    attr: 'attribute',
  },
  attributes: {
    name: STRING_ATTRIBUTE,
    model_id: STRING_ATTRIBUTE,
    model_type: STRING_ATTRIBUTE,
    status: STRING_ATTRIBUTE,
    source_run_id: STRING_ATTRIBUTE,
    creation_timestamp: NUMERIC_ATTRIBUTE,
    last_updated_timestamp: NUMERIC_ATTRIBUTE,
  },
  attributeAliases: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' },
  datasetKeys: [],
  orderableTypes: ['metric', 'attribute'],
  orderableAttributes: ['name', 'model_id', 'model_type', 'status', 'source_run_id', 'creation_timestamp', 'last_updated_timestamp'],
};

/** Renders a list the way MLflow's messages print a Python set: `{'a', 'b'}`. */
export function pythonSet(items: readonly string[]): string {
  return `{${items.map((item) => `'${item}'`).join(', ')}}`;
}
