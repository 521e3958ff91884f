// Unit specs of the benchmark scripts (plain CommonJS: *.spec.js run untransformed).
module.exports = {
  displayName: 'bench-tools',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/bench',
};
