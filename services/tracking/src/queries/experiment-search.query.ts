import { InvalidArgument } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import type { CommandContext } from '../commands/command-context';
import type { LifecycleStage } from '../domain/tracking-event';
import { ExperimentPolicy } from '../policies/experiment.policy';
import { ExperimentsRepository } from '../repositories/experiments.repository';
import type { ExperimentView } from '../repositories/read-models';
import { compileExperimentCount, compileExperimentSearch } from '../search/experiment-search.sql';
import { parseOrderBy } from '../search/order-by.parser';
import { decodePageToken, encodePageToken } from '../search/page-token';
import { EXPERIMENT_SEARCH } from '../search/search-entities';
import { trackingSchema } from '../tracking.schema';
import { parseFilter, type FilterGrammar } from './run-search.query';

const maxExperimentSearchResults = 50000;

/** MLflow's experiments/search; fetches one row more than asked so the page token is exact. */
@Injectable()
export class ExperimentSearch {
  constructor(
    private readonly experiments: ExperimentsRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  async search(
    ctx: CommandContext,
    request: {
      filter?: string;
      filterGrammar?: FilterGrammar;
      orderBy: string[];
      lifecycleStages: readonly LifecycleStage[];
      maxResults: number;
      pageToken?: string;
    },
  ): Promise<{ items: ExperimentView[]; nextPageToken?: string }> {
    if (request.maxResults < 1 || request.maxResults > maxExperimentSearchResults) {
      throw new InvalidArgument(
        `Invalid value ${request.maxResults} for parameter 'max_results' supplied. It must be at most ${maxExperimentSearchResults}, and at least 1.`,
      );
    }
    const offset = decodePageToken(request.pageToken);
    const query = compileExperimentSearch({
      schema: trackingSchema,
      workspaceId: ctx.workspaceId,
      readable: (alias, bind) => this.policy.readable(ctx, alias, bind),
      lifecycleStages: request.lifecycleStages,
      filter: parseFilter(request.filter, request.filterGrammar, EXPERIMENT_SEARCH),
      orderBy: parseOrderBy(request.orderBy, EXPERIMENT_SEARCH),
      limit: request.maxResults + 1,
      offset,
    });
    const ids = await this.experiments.findIds(query);
    const items = await this.experiments.getMany(ctx.workspaceId, ids.slice(0, request.maxResults));
    return { items, nextPageToken: ids.length > request.maxResults ? encodePageToken(offset + request.maxResults) : undefined };
  }

  /** How many experiments the search matches over all pages. */
  async count(ctx: CommandContext, request: { filter?: string; filterGrammar?: FilterGrammar; lifecycleStages: readonly LifecycleStage[] }): Promise<number> {
    return this.experiments.count(
      compileExperimentCount({
        schema: trackingSchema,
        workspaceId: ctx.workspaceId,
        readable: (alias, bind) => this.policy.readable(ctx, alias, bind),
        lifecycleStages: request.lifecycleStages,
        filter: parseFilter(request.filter, request.filterGrammar, EXPERIMENT_SEARCH),
      }),
    );
  }
}
