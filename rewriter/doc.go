// Package rewriter instruments the go-openai and openai-go calls of Go
// source code in place, so that every call is logged by the wbinstrument
// runtime, and takes the instrumentation out again byte for byte.
//
// Start at Rewrite and Options (rewriter.go) and Revert (revert.go).
// A rewrite is a pipeline, one file a stage; rewriter.go runs it:
//
//   - load.go resolves the arguments (directories, ./... patterns, import
//     paths) into go/packages queries, one a module, and loads the
//     packages with types;
//   - plan.go plans one package at a time (planPackage): it runs the
//     finder over each file and splices its edits, and adds the glue file;
//   - find.go walks each file's syntax with its type information and finds
//     the sites: go-openai client constructors, calls and method values of
//     *openai.Client methods, by type identity, so aliases, dot imports,
//     embedding and interfaces are all seen (a finder holds the package's
//     state, a fileScope the file's); openaigo.go does the same for
//     openai-go; hook.go adds the `defer wbiFinish()` of main, names.go is
//     the one place that knows the runtime's exported names, and the
//     table in internal/arity says how many parameters its call-site
//     wrappers take (the runtime's wrappers.go is generated from it);
//   - splice.go splices the edits into the original bytes: the rewriter
//     edits bytes at go/packages offsets rather than rebuilding the syntax
//     tree (with go/printer or dave/dst), so untouched code keeps every
//     byte, line numbers stay where they were, and revert can find and
//     undo exactly what was added;
//   - glue.go writes the one generated file each rewritten package gets
//     (wbinstrument_gen.go), which imports the runtime so that the user's
//     files need no import edits;
//   - gomod.go, gosum.go and vendor.go make the module require the runtime:
//     a released tool requires the published runtime at its own version
//     with its go.sum lines, a development build replaces it with a
//     checkout's runtime/; vendored modules get its sources in vendor/;
//   - coverage.go warns about packages that call go-openai but were left
//     out of the arguments;
//   - stage.go writes the new contents to temp files while planning goes
//     on, and commit.go renames them all into place only when every one is
//     written, so a failure or Ctrl-C leaves the tree as it was;
//   - report.go and diff.go describe what was done (summary, -json, -d).
//
// Revert needs no type information: it recognises only the forms Rewrite
// writes (revert.go), so it works on code that no longer builds.
package rewriter
