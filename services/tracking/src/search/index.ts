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
export { parseSearchFilter, type Comparison, type ListComparison, type ScalarComparison } from './search-filter.parser';
export { parseOrderBy, parseOrderByClause, type OrderByClause, type OrderByType } from './order-by.parser';
export { decodePageToken, encodePageToken } from './page-token';
export { compileRunSearch, type RunSearchRequest } from './run-search.sql';
export { compileExperimentSearch, type ExperimentSearchRequest } from './experiment-search.sql';
export { type SqlQuery, type SqlValue } from './search-sql';
export { lifecycleStagesFor, type LifecycleStage, type ViewType } from './view-type';
