import { InvalidArgument } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import type { CommandContext } from '../commands/command-context';
import type { LifecycleStage } from '../domain/tracking-event';
import { ExperimentPolicy } from '../policies/experiment.policy';
import type { RunView } from '../repositories/read-models';
import { RunsRepository } from '../repositories/runs.repository';
import { parseOrderBy } from '../search/order-by.parser';
import { decodePageToken, encodePageToken } from '../search/page-token';
import { compileRunCount, compileRunSearch } from '../search/run-search.sql';
import type { SqlQuery } from '../search/search-sql';
import { RUN_SEARCH } from '../search/search-entities';
import { parseBooleanSearchFilter, parseSearchFilter, type SearchFilter } from '../search/search-filter.parser';
import { trackingSchema } from '../tracking.schema';

export const maxRunSearchResults = 50000;

export interface RunSearchRequest {
  experimentIds: string[];
  filter?: string;
  orderBy: string[];
  lifecycleStages: readonly LifecycleStage[];
  maxResults: number;
  pageToken?: string;
  /** REST speaks MLflow's grammar (no OR); dashboards may use OR and parentheses. */
  filterGrammar?: FilterGrammar;
}

export type FilterGrammar = 'mlflow' | 'boolean';

export function parseFilter(filter: string | undefined, grammar: FilterGrammar = 'mlflow', entity = RUN_SEARCH): SearchFilter {
  return grammar === 'boolean' ? parseBooleanSearchFilter(filter, entity) : parseSearchFilter(filter, entity);
}

/** MLflow's runs/search: filter, order and the page's whole runs in one SQL query. */
@Injectable()
export class RunSearch {
  constructor(
    private readonly runs: RunsRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  async search(ctx: CommandContext, request: RunSearchRequest): Promise<{ items: RunView[]; nextPageToken?: string }> {
    return this.page(ctx, request, (compile) => this.runs.findRuns(compile));
  }

  /** The same search, each run as MLflow's Run JSON text (REST). */
  async searchMlflowJson(ctx: CommandContext, request: RunSearchRequest): Promise<{ items: string[]; nextPageToken?: string }> {
    return this.page(ctx, request, (compile) => this.runs.findMlflowJson(compile));
  }

  private async page<T>(
    ctx: CommandContext,
    request: RunSearchRequest,
    load: (compile: (columns: string) => SqlQuery) => Promise<T[]>,
  ): Promise<{ items: T[]; nextPageToken?: string }> {
    if (request.maxResults < 1 || request.maxResults > maxRunSearchResults) {
      throw new InvalidArgument(
        `Invalid value ${request.maxResults} for parameter 'max_results' supplied. It must be at most ${maxRunSearchResults}, and at least 1.`,
      );
    }
    const offset = decodePageToken(request.pageToken);
    const search = {
      schema: trackingSchema,
      workspaceId: ctx.workspaceId,
      // Runs inherit their experiment's permissions, so unreadable experiments drop out of the query.
      experimentIds: await this.policy.readableIds(ctx, request.experimentIds),
      lifecycleStages: request.lifecycleStages,
      filter: parseFilter(request.filter, request.filterGrammar),
      orderBy: parseOrderBy(request.orderBy, RUN_SEARCH),
      limit: request.maxResults,
      offset,
    };
    const items = await load((columns) => compileRunSearch(search, columns));
    // MLflow hands out a token whenever the page is full, so the last page may be empty.
    return { items, nextPageToken: items.length === request.maxResults ? encodePageToken(offset + items.length) : undefined };
  }

  /** How many runs the search matches over all pages. */
  async count(ctx: CommandContext, request: Omit<RunSearchRequest, 'orderBy' | 'maxResults' | 'pageToken'>): Promise<number> {
    return this.runs.count(
      compileRunCount({
        schema: trackingSchema,
        workspaceId: ctx.workspaceId,
        experimentIds: await this.policy.readableIds(ctx, request.experimentIds),
        lifecycleStages: request.lifecycleStages,
        filter: parseFilter(request.filter, request.filterGrammar),
      }),
    );
  }
}
