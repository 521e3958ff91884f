// Shared webpack config of the Node apps: compiled with tsc, Node target, dependencies left in
// node_modules (not bundled), one main.js per app under dist/apps/<name>.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('path');

module.exports = function nodeAppConfig(projectDir) {
  return {
    output: {
      path: join(__dirname, '../../dist/apps', basename(projectDir)),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        assets: ['./src/assets'],
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
        // tools/test.sh has just type-checked every project (tools/typecheck.sh) and sets this:
        // its builds skip the same check (about 40 % of a build's CPU). A build of its own still
        // reports type errors (as warnings: the bundle is emitted either way).
        ...(process.env.SOUSVIDE_BUILD_TYPECHECK === 'off' ? { typeCheckOptions: false } : {}),
      }),
    ],
  };
};
