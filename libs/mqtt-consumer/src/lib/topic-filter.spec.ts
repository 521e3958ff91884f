import { topicFilterProblem } from './topic-filter';

describe('topicFilterProblem', () => {
  it.each([
    'sousvide/+/telemetry',
    '$share/ingest/sousvide/+/telemetry',
    '#',
    'a/#',
    '+/+',
    '$share/g/#',
  ])('accepts %s', (filter) => expect(topicFilterProblem(filter)).toBeUndefined());

  it.each([
    ['', /empty/],
    ['a/#/b', /"#" must be a whole level and the last one/],
    ['a/b#', /"#" must be a whole level/],
    ['a/x+/c', /"\+" must be a whole level/],
    ['$share/ingest', /needs \$share\/<group>\/<filter>/],
    ['$share//x', /needs \$share\/<group>\/<filter>/],
    ['$share/g+/x', /group name free of/],
    ['$share/g/', /no filter after its group/],
  ])('rejects %s, saying why', (filter, why) => expect(topicFilterProblem(filter)).toMatch(why));
});
