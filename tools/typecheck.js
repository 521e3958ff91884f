// Type-checks every tsconfig given on the command line, as `tsc -p <config> --noEmit` would, in
// one process: the programs share their parsed and bound source files (a TypeScript document
// registry, as editors use), so the ~100k lines of declarations under node_modules that every
// project's program reads are parsed once per set of compiler settings instead of once per
// config. Prints the diagnostics tsc would print; exits 1 when there are any.
const ts = require('typescript');
const { dirname, resolve } = require('node:path');

const registry = ts.createDocumentRegistry();
const formatHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => '\n',
};

function parseConfig(configPath) {
  const file = resolve(configPath);
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) {
    return { errors: [read.error] };
  }
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(file), { noEmit: true }, file);
}

function check(configPath) {
  const parsed = parseConfig(configPath);
  if (!parsed.fileNames) {
    return parsed.errors;
  }
  const host = {
    getCompilationSettings: () => parsed.options,
    getScriptFileNames: () => parsed.fileNames,
    getProjectReferences: () => parsed.projectReferences,
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => {
      const text = ts.sys.readFile(f);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => process.cwd(),
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
  };
  const program = ts.createLanguageService(host, registry).getProgram();
  // What tsc --noEmit reports: config and option problems, then syntax, globals and semantics.
  return [
    ...parsed.errors,
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ];
}

let failed = 0;
for (const config of process.argv.slice(2)) {
  const diagnostics = check(config);
  if (diagnostics.length > 0) {
    failed += 1;
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost));
    process.stderr.write(`typecheck failed: ${config} (${diagnostics.length} errors)\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
