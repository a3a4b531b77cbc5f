export {
  EXPERIMENT_SEARCH,
  RUN_SEARCH,
  type Comparator,
  type FilterType,
  type ListComparator,
  type NumericComparator,
  type PatternComparator,
  type ScalarComparator,
  type SearchEntity,
} from './search-entities';
export {
  parseBooleanSearchFilter,
  parseSearchFilter,
  type Comparison,
  type Disjunction,
  type ListComparison,
  type ScalarComparison,
  type SearchFilter,
} from './search-filter.parser';
export { parseOrderBy, parseOrderByClause, type OrderByClause, type OrderByType } from './order-by.parser';
export { decodePageToken, encodePageToken } from './page-token';
export { compileRunCount, compileRunSearch, type RunCountRequest, type RunSearchRequest } from './run-search.sql';
export { compileExperimentCount, compileExperimentSearch, type ExperimentCountRequest, type ExperimentSearchRequest } from './experiment-search.sql';
export { type SqlQuery, type SqlValue } from './search-sql';
export { lifecycleStagesFor, type LifecycleStage, type ViewType } from './view-type';
