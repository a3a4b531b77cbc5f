import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { z } from 'zod';
import { infraDefaults, loadConfig } from '@chronicle/config';
import { compileExperimentSearch } from './experiment-search.sql';
import { parseOrderBy } from './order-by.parser';
import { EXPERIMENT_SEARCH } from './search-entities';
import { parseSearchFilter } from './search-filter.parser';
import { lifecycleStagesFor, type ViewType } from './view-type';

const env = loadConfig(
  z.object({ CHRONICLE_DATABASE_URL: z.string().default(infraDefaults.CHRONICLE_DATABASE_URL) }),
);

const EXPERIMENTS = [
  { id: '0', name: 'Default', created: 100, updated: 100, stage: 'active', tags: {} },
  { id: '9', name: 'vision-cnn', created: 300, updated: 900, stage: 'active', tags: { team: 'Vision' } },
  { id: '10', name: 'Vision-rnn', created: 300, updated: 500, stage: 'active', tags: { team: 'vision' } },
  { id: '11', name: 'nlp', created: 200, updated: 700, stage: 'active', tags: { team: 'nlp', 'mlflow.note': 'x' } },
  { id: '12', name: 'old', created: 50, updated: 60, stage: 'deleted', tags: {} },
];

describe('compileExperimentSearch on Postgres', () => {
  const schema = `search_it_${randomBytes(6).toString('hex')}`;
  const workspaceId = `ws-${randomBytes(6).toString('hex')}`;
  const otherWorkspaceId = `ws-${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: env.CHRONICLE_DATABASE_URL });

  beforeAll(async () => {
    await client.connect();
    await client.query(`
      CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.experiments (
        workspace_id text, experiment_id text, name text, artifact_location text, lifecycle_stage text,
        creation_time bigint, last_update_time bigint, PRIMARY KEY (workspace_id, experiment_id));
      CREATE TABLE ${schema}.experiment_tags (
        workspace_id text, experiment_id text, key text, value text, PRIMARY KEY (workspace_id, experiment_id, key));
    `);
    for (const experiment of EXPERIMENTS) {
      await client.query(
        `INSERT INTO ${schema}.experiments VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [workspaceId, experiment.id, experiment.name, `s3://b/${experiment.id}`, experiment.stage, experiment.created, experiment.updated],
      );
      for (const [key, value] of Object.entries(experiment.tags)) {
        await client.query(`INSERT INTO ${schema}.experiment_tags VALUES ($1, $2, $3, $4)`, [workspaceId, experiment.id, key, value]);
      }
    }
    await client.query(`INSERT INTO ${schema}.experiments VALUES ($1, '99', 'vision-cnn', 's3://x', 'active', 999, 999)`, [
      otherWorkspaceId,
    ]);
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  async function search(filter = '', orderBy: string[] = [], viewType?: ViewType, limit = 100, offset = 0): Promise<string[]> {
    const query = compileExperimentSearch({
      schema,
      workspaceId,
      readable: () => 'TRUE',
      lifecycleStages: lifecycleStagesFor(viewType),
      filter: parseSearchFilter(filter, EXPERIMENT_SEARCH),
      orderBy: parseOrderBy(orderBy, EXPERIMENT_SEARCH),
      limit,
      offset,
    });
    const result = await client.query<{ experiment_id: string }>(query.text, query.values as unknown[]);
    return result.rows.map((row) => row.experiment_id);
  }

  it('when searching without order_by, then creation_time DESC then numeric experiment_id ASC', async () => {
    expect(await search()).toEqual(['9', '10', '11', '0']);
  });
  it('when ordering by a time, then equal times break by experiment_id DESC', async () => {
    expect(await search('', ['last_update_time DESC'])).toEqual(['9', '11', '10', '0']);
    expect(await search('', ['creation_time'])).toEqual(['0', '11', '10', '9']);
  });
  it('when ordering by experiment_id DESC, then ids order numerically', async () => {
    expect(await search('', ['experiment_id DESC'])).toEqual(['11', '10', '9', '0']);
  });
  it.each([
    ["name LIKE 'vision%'", ['9']],
    ["name ILIKE 'vision%'", ['9', '10']],
    ["name != 'nlp'", ['9', '10', '0']],
    ['creation_time >= 200 AND last_update_time < 800', ['10', '11']],
    ["tags.team = 'vision'", ['10']],
    ["tags.team ILIKE 'VISION'", ['9', '10']],
    ["tags.`mlflow.note` = 'x'", ['11']],
    ["tags.team != 'nlp'", ['9', '10']],
  ])('when filtering %s, then the experiments are %j', async (filter, expected) => {
    expect(await search(filter)).toEqual(expected);
  });
  it('when the view type changes, then deleted experiments appear or stand alone', async () => {
    expect(await search('', [], 'DELETED_ONLY')).toEqual(['12']);
    expect(await search('', [], 'ALL')).toEqual(['9', '10', '11', '0', '12']);
  });
  it('when paging, then offsets continue the same order', async () => {
    expect(await search('', [], undefined, 3, 0)).toEqual(['9', '10', '11']);
    expect(await search('', [], undefined, 3, 3)).toEqual(['0']);
  });
});
