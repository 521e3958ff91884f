import { loadtestContracts } from './loadtest-contracts';

describe('loadtestContracts', () => {
  it('should work', () => {
    expect(loadtestContracts()).toEqual('loadtest-contracts');
  });
});
