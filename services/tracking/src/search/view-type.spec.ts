import { lifecycleStagesFor } from './view-type';

describe('lifecycleStagesFor', () => {
  it.each([
    [undefined, ['active']],
    ['ACTIVE_ONLY', ['active']],
    ['DELETED_ONLY', ['deleted']],
    ['ALL', ['active', 'deleted']],
  ] as const)('when the view type is %s, then the stages are %j', (viewType, stages) => {
    expect(lifecycleStagesFor(viewType)).toEqual(stages);
  });
});
