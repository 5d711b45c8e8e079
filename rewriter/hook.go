package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/types"
	"regexp"
	"strconv"
)

// The main() hook: `defer wbiFinish()` as the first statement of main, so
// the run is finished at normal exit. In a multi-line body it goes on a
// line of its own followed by a //line directive restoring the numbering
// of every later line; a one-line body, or one whose first statement is on
// the line of "{", gets it spliced in on that line.

// lineDirective matches the directive that follows our deferred finish.
var lineDirective = regexp.MustCompile(`^//line :(\d+):1\r?$`)

const finishStmt = "defer " + wbiFinish + "()"

// isFinishDefer reports whether s is `defer wbiFinish()`.
func isFinishDefer(s ast.Stmt) bool {
	d, ok := s.(*ast.DeferStmt)
	if !ok || len(d.Call.Args) != 0 {
		return false
	}
	id, ok := d.Call.Fun.(*ast.Ident)
	return ok && id.Name == wbiFinish
}

// lineAt returns the bounds of the physical line containing offset off
// (end excludes the newline).
func lineAt(src []byte, off int) (start, end int) {
	start = bytes.LastIndexByte(src[:off], '\n') + 1
	end = bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		return start, len(src)
	}
	return start, off + end
}

// mainHook plans the hook for func main (or checks an existing one) and
// warns about exits that skip it.
func (f *finder) mainHook(fd *ast.FuncDecl) {
	if f.skipped(fd.Pos()) != "" {
		return
	}
	f.exitWarnings(fd)
	body := fd.Body
	lb := f.pos(body.Lbrace).Line
	// The same-line form is used when the body is one line, and when its
	// first statement shares the line of "{" (a line inserted after that
	// line would come after the statement).
	oneLine := lb == f.pos(body.Rbrace).Line || len(body.List) > 0 && f.pos(body.List[0].Pos()).Line == lb
	if len(body.List) > 0 && isFinishDefer(body.List[0]) {
		f.hookFound = true
		if oneLine {
			return
		}
		// Keep the directive in step with the lines above it.
		_, end := lineAt(f.src, f.off(body.List[0].End()))
		if end >= len(f.src) {
			return
		}
		ls, le := lineAt(f.src, end+1)
		m := lineDirective.FindSubmatchIndex(f.src[ls:le])
		if m == nil {
			f.warns = append(f.warns, fmt.Sprintf("%s: %s is not followed by its //line directive; line numbers below it are off by one", f.pos(body.List[0].Pos()), finishStmt))
			return
		}
		f.hookEnd = le
		want := strconv.Itoa(lb + 1)
		if string(f.src[ls+m[2]:ls+m[3]]) != want {
			f.hookEdits = append(f.hookEdits, edit{ls + m[2], ls + m[3], want})
		}
		return
	}
	f.hookFound = true
	lbOff := f.off(body.Lbrace)
	if oneLine {
		text := " " + finishStmt + ";"
		if len(body.List) == 0 {
			text = " " + finishStmt + " "
		}
		f.hookEdits = append(f.hookEdits, edit{lbOff + 1, lbOff + 1, text})
		return
	}
	_, end := lineAt(f.src, lbOff)
	nl := "\n"
	if end > 0 && f.src[end-1] == '\r' {
		end--
		nl = "\r\n"
	}
	text := fmt.Sprintf("%s\t%s%s//line :%d:1", nl, finishStmt, nl, lb+1)
	f.hookEdits = append(f.hookEdits, edit{end, end, text})
}

// exitWarnings reports os.Exit and log.Fatal* calls in main: they end the
// program without running deferred calls, so the run is not finished.
func (f *finder) exitWarnings(fd *ast.FuncDecl) {
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		var id *ast.Ident
		switch x := ast.Unparen(call.Fun).(type) {
		case *ast.SelectorExpr:
			id = x.Sel
		case *ast.Ident:
			id = x
		default:
			return true
		}
		fn, ok := f.pkg.TypesInfo.Uses[id].(*types.Func)
		if !ok || fn.Pkg() == nil {
			return true
		}
		p, name := fn.Pkg().Path(), fn.Name()
		if (p == "os" && name == "Exit") || (p == "log" && (name == "Fatal" || name == "Fatalf" || name == "Fatalln")) {
			f.warns = append(f.warns, fmt.Sprintf("%s: %s.%s in main skips the deferred %s: the calls of about the last second before it may not be written and the run counts as crashed (return from main instead)", f.pos(call.Pos()), p, name, wbiFinish))
		}
		return true
	})
}
