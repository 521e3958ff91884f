export function loadtestContracts(): string {
  return 'loadtest-contracts';
}
