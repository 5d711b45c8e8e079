package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wbinstrument/wbinstrument/internal/arity"
	"golang.org/x/tools/go/packages"
)

// An edit replaces src[start:end] with text; start == end inserts.
type edit struct {
	start, end int
	text       string
}

// A found site with the edits that instrument it (none when it is
// skipped, already instrumented with an up-to-date literal, or reported).
type found struct {
	site  Site
	file  string
	edits []edit
	// glue marks a site whose edited form refers to the glue file.
	glue bool
	// major is the openai-go major whose glue the site uses (0: none).
	major int
}

// finder walks one package's syntax with its type information. Its
// fields hold the package's state; the file being walked is in the
// embedded fileScope, built fresh for each file.
type finder struct {
	opts    *Options
	pkg     *packages.Package
	modRoot string
	client  *types.Named // go-openai's Client, nil if the package does not import it
	out     []found
	warns   []string
	hookPkg bool // the package is a main that reaches go-openai
	// hookFound is set when main has (or gets) the deferred finish.
	hookFound bool
	// initN counts the package's func init declarations across its files,
	// as the compiler numbers them (init.0, init.1, ...).
	initN int

	*fileScope
}

// fileScope is the state of the one file a finder walks.
type fileScope struct {
	file      *ast.File
	tfile     *token.File
	src       []byte
	filename  string
	generated bool // sites are reported as in a generated file, not edited
	// The //wbinstrument:ignore directives of the file: the whole file,
	// the lines they cover (a directive's own line after code, else the
	// next), and the functions they document.
	fileIgn   bool
	ignLines  map[int]bool
	ignRanges [][2]token.Pos
	// hookEdits are the edits of main()'s deferred finish in this file.
	hookEdits []edit
	// hookEnd is the offset just past the //line directive of a main()
	// hook already in the file, or -1: the two lines of the hook do not
	// count in the user's line numbers below it.
	hookEnd int
}

// newFileScope returns the state for walking file, whose bytes are src,
// with its directives read.
func (f *finder) newFileScope(file *ast.File, tf *token.File, src []byte, filename string, generated bool) *fileScope {
	s := &fileScope{file: file, tfile: tf, src: src, filename: filename, generated: generated, hookEnd: -1}
	s.fileIgn, s.ignLines, s.ignRanges = scanDirectives(file, src, f.pos)
	return s
}

func (f *finder) pos(p token.Pos) token.Position { return f.pkg.Fset.PositionFor(p, false) }
func (f *finder) off(p token.Pos) int            { return f.tfile.Offset(p) }
func (f *finder) text(n ast.Node) string         { return string(f.src[f.off(n.Pos()):f.off(n.End())]) }

// isPkgFunc reports whether obj is the package-level function name of
// go-openai (matched by import path, never by local name).
func (f *finder) isPkgFunc(obj types.Object, names ...string) (string, bool) {
	fn, ok := obj.(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != f.opts.Pkg {
		return "", false
	}
	if fn.Type().(*types.Signature).Recv() != nil {
		return "", false
	}
	for _, n := range names {
		if fn.Name() == n {
			return n, true
		}
	}
	return "", false
}

// isClientMethod reports whether sel selects a method of go-openai's
// *Client (directly or promoted through embedding; a shadowing method of
// a user type has another object and does not match).
func (f *finder) isClientMethod(sel *types.Selection) (*types.Func, bool) {
	fn, ok := sel.Obj().(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != f.opts.Pkg {
		return nil, false
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return nil, false
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Name() != clientType {
		return nil, false
	}
	return fn, true
}

func isContext(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isError(t types.Type) bool { return types.Identical(t, types.Universe.Lookup("error").Type()) }

// wrapperFor picks the call-site forwarder for a method signature.
func wrapperFor(sig *types.Signature) (string, string) {
	params, res := sig.Params(), sig.Results()
	if params.Len() == 0 || !isContext(params.At(0).Type()) {
		return "", "unsupported signature: first parameter is not a context.Context"
	}
	n := params.Len() - 1
	switch {
	case sig.Variadic():
		// n counts the variadic parameter too.
		if res.Len() == 2 && isError(res.At(1).Type()) && n-1 >= arity.CallVMin && n-1 <= arity.CallVMax {
			return fmt.Sprintf("wbiCallV%d", n-1), ""
		}
	case res.Len() == 2 && isError(res.At(1).Type()) && n >= arity.CallMin && n <= arity.CallMax:
		return fmt.Sprintf("wbiCall%d", n), ""
	case res.Len() == 1 && isError(res.At(0).Type()) && n >= arity.CallEMin && n <= arity.CallEMax:
		return fmt.Sprintf("wbiCallE%d", n), ""
	}
	return "", "unsupported signature: " + types.TypeString(sig, nil)
}

// findClient looks up go-openai's Client among the package's imports.
func (f *finder) findClient() {
	for _, imp := range f.pkg.Types.Imports() {
		if imp.Path() == f.opts.Pkg {
			if tn, ok := imp.Scope().Lookup(clientType).(*types.TypeName); ok {
				f.client, _ = tn.Type().(*types.Named)
			}
		}
	}
}

// siteString is the literal carried by a call-site wrapper.
func (f *finder) siteString(p token.Pos, fn string) string {
	rel, err := filepath.Rel(f.modRoot, f.filename)
	if err != nil {
		rel = filepath.Base(f.filename)
	}
	return fmt.Sprintf("%s:%d %s", filepath.ToSlash(rel), f.userLine(p), fn)
}

// userLine is the line of p in the user's own numbering, the one the
// compiler gives it once our //line directive is in place: the physical
// line, less the two lines of a main() hook already above it. It does not
// follow the directive as it stands, which may be stale (the user added
// lines above main) and is corrected by this same run. Other //line
// directives are ignored: the site literal names this file.
func (f *finder) userLine(p token.Pos) int {
	line := f.pos(p).Line
	if f.hookEnd >= 0 && f.off(p) > f.hookEnd {
		line -= 2
	}
	return line
}

// skipped tells whether a site at p is covered by a directive or a
// generated file, and which.
func (f *finder) skipped(p token.Pos) string {
	if f.generated {
		return ActionGenerated
	}
	if f.fileIgn {
		return ActionDirective
	}
	if f.ignLines[f.pos(p).Line] {
		return ActionDirective
	}
	for _, r := range f.ignRanges {
		if p >= r[0] && p < r[1] {
			return ActionDirective
		}
	}
	return ""
}

// scanDirectives reads the //wbinstrument:ignore comments of a file:
// whether one covers the whole file (above its package clause), the lines
// they cover, and the functions they document.
func scanDirectives(file *ast.File, src []byte, pos func(token.Pos) token.Position) (fileIgn bool, lines map[int]bool, ranges [][2]token.Pos) {
	lines = map[int]bool{}
	for _, cg := range file.Comments {
		for _, c := range cg.List {
			if !strings.HasPrefix(c.Text, ignoreDirective) {
				continue
			}
			if c.Pos() < file.Package {
				fileIgn = true
			}
			// A directive after code covers its own line; one alone on
			// its line covers the next (as //nolint and //lint:ignore do).
			at := pos(c.Pos())
			line := at.Line
			if len(bytes.TrimSpace(src[at.Offset-(at.Column-1):at.Offset])) == 0 {
				line++
			}
			lines[line] = true
		}
	}
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		for _, c := range fd.Doc.List {
			if strings.HasPrefix(c.Text, ignoreDirective) {
				ranges = append(ranges, [2]token.Pos{fd.Pos(), fd.End()})
			}
		}
	}
	return fileIgn, lines, ranges
}

func (f *finder) add(site Site, glue bool, edits ...edit) {
	p := site
	p.File = f.filename
	f.out = append(f.out, found{site: p, file: f.filename, edits: edits, glue: glue})
}

func (f *finder) siteAt(p token.Pos, fn, target, kind string) Site {
	ps := f.pos(p)
	return Site{Line: ps.Line, Column: ps.Column, Func: fn, Target: target, Kind: kind}
}

// funcName names a declared function like runtime.Frame.Function does.
func (f *finder) funcName(fd *ast.FuncDecl) string {
	prefix := f.pkg.PkgPath
	if f.pkg.Name == "main" {
		prefix = "main"
	}
	name := fd.Name.Name
	if name == "init" && fd.Recv == nil {
		name = fmt.Sprintf("init.%d", f.initN)
		f.initN++
	}
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return prefix + "." + name
	}
	t := fd.Recv.List[0].Type
	star := false
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = true, s.X
	}
	generic := false
	switch x := t.(type) {
	case *ast.IndexExpr:
		t, generic = x.X, true
	case *ast.IndexListExpr:
		t, generic = x.X, true
	}
	recv := "?"
	if id, ok := t.(*ast.Ident); ok {
		recv = id.Name
	}
	if generic {
		recv += "[...]"
	}
	if star {
		recv = "(*" + recv + ")"
	}
	return prefix + "." + recv + "." + name
}

// scope tracks the enclosing function while walking, naming closures the
// way the compiler does (F.func1, F.func1.1).
type scope struct {
	name     string
	closures int
	top      bool
}

func (f *finder) walkFile() {
	var stack []ast.Node
	scopes := []*scope{{name: "init", top: true}}
	if f.pkg.Name != "main" {
		scopes[0].name = f.pkg.PkgPath + ".init"
	} else {
		scopes[0].name = "main.init"
	}
	ast.Inspect(f.file, func(n ast.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch top.(type) {
			case *ast.FuncLit, *ast.FuncDecl:
				scopes = scopes[:len(scopes)-1]
			}
			return true
		}
		stack = append(stack, n)
		cur := scopes[len(scopes)-1]
		switch x := n.(type) {
		case *ast.FuncDecl:
			scopes = append(scopes, &scope{name: f.funcName(x), top: true})
			if f.hookPkg && x.Recv == nil && x.Name.Name == "main" && x.Body != nil {
				f.mainHook(x)
			}
		case *ast.FuncLit:
			cur.closures++
			name := fmt.Sprintf("%s.%d", cur.name, cur.closures)
			if cur.top {
				name = fmt.Sprintf("%s.func%d", cur.name, cur.closures)
			}
			scopes = append(scopes, &scope{name: name})
		case *ast.CallExpr:
			f.call(x, cur.name)
		case *ast.SelectorExpr:
			f.selector(x, stack, cur.name)
		case *ast.Ident:
			f.ctorValue(x, stack, cur.name)
		}
		return true
	})
}

// ctorValue reports a go-openai constructor used as a value (f :=
// openai.NewClient, a field or argument of func type): there is no
// same-line form that keeps every use of the value well-typed, so it is
// not rewritten. Its clients are still covered: every *Client method call
// in user code goes through a call-site wrapper.
func (f *finder) ctorValue(id *ast.Ident, stack []ast.Node, fn string) {
	name, ok := f.isPkgFunc(f.pkg.TypesInfo.Uses[id], ctorNewClient, ctorNewOrgClient, ctorNewClientWithConfig)
	oai, _ := oaiConstructor(f.pkg.TypesInfo.Uses[id])
	if !ok && oai == nil {
		return
	}
	// The expression that denotes the function: the selector pkg.Name,
	// or the identifier itself under a dot import; then its parent,
	// skipping parentheses.
	i := 2
	var expr ast.Node = id
	if sel, ok := nodeAt(stack, 2).(*ast.SelectorExpr); ok && sel.Sel == id {
		expr, i = sel, 3
	}
	parent := nodeAt(stack, i)
	for {
		pe, ok := parent.(*ast.ParenExpr)
		if !ok {
			break
		}
		expr, i = pe, i+1
		parent = nodeAt(stack, i)
	}
	if call, ok := parent.(*ast.CallExpr); ok {
		if call.Fun == expr {
			return // a call: handled by call
		}
		if oai != nil {
			f.oaiCtorValue(id, expr, fn)
			return
		}
		// Our own constructor forwarders take NewClientWithConfig as a value.
		if cid, ok := call.Fun.(*ast.Ident); ok && (cid.Name == wbiNewClient || cid.Name == wbiNewOrgClient) {
			if obj := f.pkg.TypesInfo.Uses[cid]; obj != nil && obj.Pkg() == f.pkg.Types {
				return
			}
		}
	} else if oai != nil {
		f.oaiCtorValue(id, expr, fn)
		return
	}
	f.addNotInstrumentable(f.siteAt(expr.Pos(), fn, name, "constructor value"), expr.Pos(),
		"constructor used as a value: calls on its clients are logged by the call-site wrappers")
}

// call handles constructor and config calls.
func (f *finder) call(call *ast.CallExpr, fn string) {
	fun := ast.Unparen(call.Fun)
	var id *ast.Ident
	qual := ""
	switch x := fun.(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		pkgID, ok := x.X.(*ast.Ident)
		if !ok {
			return
		}
		if _, ok := f.pkg.TypesInfo.Uses[pkgID].(*types.PkgName); !ok {
			return
		}
		id, qual = x.Sel, pkgID.Name+"."
	default:
		return
	}
	obj := f.pkg.TypesInfo.Uses[id]
	if obj == nil {
		return
	}
	// Our own forwarders: the site was instrumented by an earlier run.
	if _, isFunc := obj.(*types.Func); isFunc && obj.Pkg() == f.pkg.Types && qual == "" {
		switch id.Name {
		case wbiNewClient, wbiNewOrgClient:
			f.add(f.siteAt(call.Pos(), fn, strings.TrimPrefix(id.Name, "wbi"), "constructor"), true)
			f.last().site.Action = ActionAlready
		}
		return
	}
	if f.oaiCall(call, id, obj, fn) {
		return
	}
	name, ok := f.isPkgFunc(obj, ctorNewClient, ctorNewOrgClient, ctorNewClientWithConfig, cfgDefault, cfgDefaultAzure)
	if !ok {
		return
	}
	kind := "constructor"
	if name == cfgDefault || name == cfgDefaultAzure {
		kind = "config"
	}
	s := f.siteAt(call.Pos(), fn, name, kind)
	if a := f.skipped(call.Pos()); a != "" {
		s.Action = a
		f.add(s, false)
		return
	}
	switch name {
	case cfgDefault, cfgDefaultAzure:
		s.Action, s.Reason = ActionReported, "config: instrumented where it reaches NewClientWithConfig"
		f.add(s, false)
	case ctorNewClient, ctorNewOrgClient:
		if call.Ellipsis.IsValid() {
			s.Action, s.Reason = ActionNotInstrumentable, "call with ... arguments"
			f.add(s, false)
			return
		}
		wrapper := wbiNewClient
		if name == ctorNewOrgClient {
			wrapper = wbiNewOrgClient
		}
		text := fmt.Sprintf("%s(%s%s, %s%s, ", wrapper, qual, ctorNewClientWithConfig, qual, cfgDefault)
		s.Action = ActionRewritten
		f.add(s, true, edit{f.off(call.Fun.Pos()), f.off(call.Lparen) + 1, text})
	case ctorNewClientWithConfig:
		if len(call.Args) != 1 || call.Ellipsis.IsValid() {
			s.Action, s.Reason = ActionNotInstrumentable, "unexpected arguments"
			f.add(s, false)
			return
		}
		arg := call.Args[0]
		if c, ok := ast.Unparen(arg).(*ast.CallExpr); ok {
			if cid, ok := c.Fun.(*ast.Ident); ok && cid.Name == wbiConfig && f.pkg.TypesInfo.Uses[cid] != nil && f.pkg.TypesInfo.Uses[cid].Pkg() == f.pkg.Types {
				s.Action = ActionAlready
				f.add(s, true)
				return
			}
		}
		s.Action = ActionRewritten
		f.add(s, true, edit{f.off(arg.Pos()), f.off(arg.Pos()), wbiConfig + "("}, edit{f.off(arg.End()), f.off(arg.End()), ")"})
	}
}

func (f *finder) last() *found { return &f.out[len(f.out)-1] }

// selector handles method calls and method values of *Client.
func (f *finder) selector(x *ast.SelectorExpr, stack []ast.Node, fn string) {
	parent, grand := nodeAt(stack, 2), nodeAt(stack, 3)
	sel := f.pkg.TypesInfo.Selections[x]
	if sel == nil {
		return
	}
	if sel.Kind() == types.MethodVal && types.IsInterface(sel.Recv()) {
		if !f.oaiInterfaceCall(x, sel, fn) {
			f.interfaceCall(x, sel, fn)
		}
		return
	}
	if f.oaiSelector(x, sel, parent, grand, fn) {
		return
	}
	m, ok := f.isClientMethod(sel)
	if !ok {
		return
	}
	s, done := f.selectorSite(x, sel, parent, fn, "(*Client)."+m.Name())
	if done {
		return
	}
	wrapper, why := wrapperFor(m.Type().(*types.Signature))
	if wrapper == "" {
		s.Action, s.Reason = ActionNotInstrumentable, why
		f.add(s, false)
		return
	}
	edits := f.wrapSite(&s, x, parent, grand, fn, wrapper, isCallWrapper)
	f.add(s, true, edits...)
}

// wrapSite sets the action of s, the site of x, a selector that wrapper
// (wbiCallN, wbiOAI3CallN...) instruments, and returns its edits: none
// when an earlier run wrapped x already (ours names the wrappers, of x's
// SDK) with the right site literal, the literal's when the site moved,
// else the wrapper around x.
func (f *finder) wrapSite(s *Site, x *ast.SelectorExpr, parent, grand ast.Node, fn, wrapper string, ours func(name string) bool) []edit {
	lit := strconv.Quote(f.siteString(x.Sel.Pos(), fn))
	// Already wrapped by an earlier run: wrapper(x, "site").
	if c, ok := parent.(*ast.CallExpr); ok && len(c.Args) == 2 && c.Args[0] == x {
		if id, ok := c.Fun.(*ast.Ident); ok && ours(id.Name) {
			s.Kind = "method value"
			if g, ok := grand.(*ast.CallExpr); ok && g.Fun == c {
				s.Kind = "call"
			}
			if bl, ok := c.Args[1].(*ast.BasicLit); ok && bl.Kind == token.STRING && bl.Value != lit {
				s.Action, s.Reason = ActionUpdated, "site moved: literal updated"
				return []edit{{f.off(bl.Pos()), f.off(bl.End()), lit}}
			}
			s.Action = ActionAlready
			return nil
		}
	}
	s.Action = ActionRewritten
	return []edit{
		{f.off(x.Pos()), f.off(x.Pos()), wrapper + "("},
		{f.off(x.End()), f.off(x.End()), ", " + lit + ")"},
	}
}

// selectorSite is the site of x, the selector of a method of an SDK's
// client or service (target), as a call or a method value. done says it
// was added already, needing no edit: a method expression (covered by the
// constructor path), or x under an ignore directive or in a generated
// file.
func (f *finder) selectorSite(x *ast.SelectorExpr, sel *types.Selection, parent ast.Node, fn, target string) (s Site, done bool) {
	kind := "method value"
	if c, ok := parent.(*ast.CallExpr); ok && ast.Unparen(c.Fun) == x {
		kind = "call"
	}
	s = f.siteAt(x.Sel.Pos(), fn, target, kind)
	if sel.Kind() == types.MethodExpr {
		s.Kind, s.Action, s.Reason = "method expression", ActionNotInstrumentable, "method expression: covered by the constructor path"
		f.add(s, false)
		return s, true
	}
	for _, p := range []token.Pos{x.Sel.Pos(), x.Pos()} {
		if a := f.skipped(p); a != "" {
			s.Action = a
			f.add(s, false)
			return s, true
		}
	}
	return s, false
}

// addNotInstrumentable adds s as a site left alone for why, or, when an
// ignore directive or a generated file covers it (at p), as skipped by
// that.
func (f *finder) addNotInstrumentable(s Site, p token.Pos, why string) {
	s.Action, s.Reason = ActionNotInstrumentable, why
	if a := f.skipped(p); a != "" {
		s.Action, s.Reason = a, ""
	}
	f.add(s, false)
}

// nodeAt returns the i-th node from the top of the stack (1 = top), or nil.
func nodeAt(stack []ast.Node, i int) ast.Node {
	if len(stack) < i {
		return nil
	}
	return stack[len(stack)-i]
}

// interfaceCall reports calls through a user interface that go-openai's
// *Client satisfies: no edit, the constructor path logs them.
func (f *finder) interfaceCall(x *ast.SelectorExpr, sel *types.Selection, fn string) {
	if f.client == nil {
		return
	}
	iface, ok := sel.Recv().Underlying().(*types.Interface)
	if !ok || iface.NumMethods() == 0 {
		return
	}
	if m, ok := sel.Obj().(*types.Func); !ok || m.Pkg() != nil && m.Pkg().Path() == f.opts.Pkg {
		return
	}
	obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(f.client), false, f.client.Obj().Pkg(), x.Sel.Name)
	if obj == nil || !types.Implements(types.NewPointer(f.client), iface) {
		return
	}
	f.addNotInstrumentable(f.siteAt(x.Sel.Pos(), fn, "(*Client)."+x.Sel.Name, "interface call"), x.Sel.Pos(),
		"call through an interface: logged by the instrumented constructor")
}
