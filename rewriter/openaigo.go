package rewriter

import (
	"fmt"
	"go/ast"
	"go/types"
	"strconv"
	"strings"
)

// The official SDK, github.com/openai/openai-go (module paths without a
// suffix for v0.x and v1, /v2 and /v3 after), is found by import path and
// type identity like go-openai, and instrumented in two places:
//
//   - every client and service constructor (openai.NewClient,
//     openai.NewChatCompletionService, responses.NewResponseService, ...:
//     a New* function of the SDK taking only ...option.RequestOption and
//     returning a Client or a *Service value; Azure clients are built by
//     NewClient with azure.With* options) gets our middleware appended
//     to its options: NewClient(a, b) becomes NewClient(wbiOAI3Opts(a, b)...);
//   - every call and method value of a service method (a method of a
//     *XxxService whose first parameter is a context and last is
//     ...option.RequestOption) goes through a call-site wrapper that adds
//     a per-request middleware carrying the call site:
//     client.Chat.Completions.New(ctx, p) becomes
//     wbiOAI3Call1(client.Chat.Completions.New, "main.go:9 main.run")(ctx, p).
//
// The glue of a package declares the wrappers of each major it uses
// (they import that major's option package).

// oaiModulePrefix is the import path of openai-go v0.x and v1; later
// majors add /vN.
const oaiModulePrefix = "github.com/openai/openai-go"

// oaiMajor returns the major version of openai-go a package of the SDK
// belongs to (1 for v0.x and v1), or 0 when path is not the SDK's.
func oaiMajor(path string) int {
	if path != oaiModulePrefix && !strings.HasPrefix(path, oaiModulePrefix+"/") {
		return 0
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(path, oaiModulePrefix), "/")
	seg := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg = rest[:i]
	}
	if len(seg) > 1 && seg[0] == 'v' {
		if n, err := strconv.Atoi(seg[1:]); err == nil && n >= 2 {
			return n
		}
	}
	return 1
}

// oaiOptionPkg is the option package of openai-go major m.
func oaiOptionPkg(m int) string {
	if m <= 1 {
		return oaiModulePrefix + "/option"
	}
	return fmt.Sprintf("%s/v%d/option", oaiModulePrefix, m)
}

// oaiName is the glue name of a forwarder of major m: wbiOAI3Call1.
func oaiName(m int, what string) string { return fmt.Sprintf("wbiOAI%d%s", m, what) }

// isOAIWrapper tells whether name is one of the glue's openai-go
// call-site wrappers (wbiOAI<major>Call|Value|Err<n>).
func isOAIWrapper(name string) bool {
	rest, ok := strings.CutPrefix(name, "wbiOAI")
	if !ok {
		return false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	rest = rest[i:]
	for _, k := range []string{"Call", "Value", "Err"} {
		if n, ok := strings.CutPrefix(rest, k); ok && len(n) == 1 && n[0] >= '0' && n[0] < '0'+oaiMaxParams+1 {
			return true
		}
	}
	return false
}

// isOAIOpts tells whether name is a glue's constructor forwarder
// (wbiOAI<major>Opts).
func isOAIOpts(name string) bool {
	rest, ok := strings.CutPrefix(name, "wbiOAI")
	if !ok {
		return false
	}
	n, ok := strings.CutSuffix(rest, "Opts")
	if !ok || n == "" {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// oaiReservedNames are the glue names of major m.
func oaiReservedNames(m int) []string {
	names := []string{oaiName(m, "Opts")}
	for n := 0; n <= oaiMaxParams; n++ {
		for _, k := range []string{"Call", "Value", "Err"} {
			names = append(names, oaiName(m, k+strconv.Itoa(n)))
		}
	}
	return names
}

// isRequestOptions tells whether t is []option.RequestOption of openai-go
// (an alias of internal/requestconfig's RequestOption), and its major.
func isRequestOptions(t types.Type) int {
	s, ok := t.(*types.Slice)
	if !ok {
		return 0
	}
	n, ok := types.Unalias(s.Elem()).(*types.Named)
	if !ok || n.Obj().Name() != "RequestOption" || n.Obj().Pkg() == nil {
		return 0
	}
	return oaiMajor(n.Obj().Pkg().Path())
}

// oaiConstructor tells whether fn is a client or service constructor of
// openai-go, and its major.
func oaiConstructor(obj types.Object) (*types.Func, int) {
	fn, ok := obj.(*types.Func)
	if !ok || fn.Pkg() == nil || !strings.HasPrefix(fn.Name(), "New") {
		return nil, 0
	}
	m := oaiMajor(fn.Pkg().Path())
	if m == 0 {
		return nil, 0
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil || !sig.Variadic() || sig.Params().Len() != 1 || sig.Results().Len() != 1 {
		return nil, 0
	}
	if isRequestOptions(sig.Params().At(0).Type()) != m {
		return nil, 0
	}
	n, ok := sig.Results().At(0).Type().(*types.Named)
	if !ok || n.Obj().Pkg() == nil || oaiMajor(n.Obj().Pkg().Path()) != m {
		return nil, 0
	}
	if name := n.Obj().Name(); name != "Client" && !strings.HasSuffix(name, "Service") {
		return nil, 0
	}
	return fn, m
}

// oaiServiceMethod tells whether sel selects a method of an openai-go
// service (or of the Client itself: its raw Get, Post, Execute...), and its major and display name (ChatCompletionService.New).
func oaiServiceMethod(sel *types.Selection) (*types.Func, int, string) {
	fn, ok := sel.Obj().(*types.Func)
	if !ok || fn.Pkg() == nil {
		return nil, 0, ""
	}
	m := oaiMajor(fn.Pkg().Path())
	if m == 0 {
		return nil, 0, ""
	}
	sig := fn.Type().(*types.Signature)
	recv := sig.Recv()
	if recv == nil {
		return nil, 0, ""
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || !strings.HasSuffix(n.Obj().Name(), "Service") && n.Obj().Name() != "Client" {
		return nil, 0, ""
	}
	return fn, m, n.Obj().Name() + "." + fn.Name()
}

// oaiWrapperFor picks the call-site wrapper of major m for a service
// method's signature.
func oaiWrapperFor(m int, sig *types.Signature) (string, string) {
	params, res := sig.Params(), sig.Results()
	if params.Len() < 2 || !isContext(params.At(0).Type()) || !sig.Variadic() || isRequestOptions(params.At(params.Len()-1).Type()) != m {
		return "", "unsupported signature: " + types.TypeString(sig, nil)
	}
	n := params.Len() - 2
	if n > oaiMaxParams {
		return "", "unsupported signature: " + types.TypeString(sig, nil)
	}
	switch {
	case res.Len() == 2 && isError(res.At(1).Type()):
		return oaiName(m, "Call"+strconv.Itoa(n)), ""
	case res.Len() == 1 && isError(res.At(0).Type()):
		return oaiName(m, "Err"+strconv.Itoa(n)), ""
	case res.Len() == 1:
		return oaiName(m, "Value"+strconv.Itoa(n)), ""
	}
	return "", "unsupported signature: " + types.TypeString(sig, nil)
}

// oaiCall instruments a call of an openai-go constructor; it reports
// whether call was one (or one of our own forwarders).
func (f *finder) oaiCall(call *ast.CallExpr, id *ast.Ident, obj types.Object, fn string) bool {
	if isOAIOpts(id.Name) && obj.Pkg() == f.pkg.Types {
		return true
	}
	ctor, m := oaiConstructor(obj)
	if ctor == nil {
		return false
	}
	s := f.siteAt(call.Pos(), fn, ctor.Pkg().Name()+"."+ctor.Name(), "constructor")
	if a := f.skipped(call.Pos()); a != "" {
		s.Action = a
		f.add(s, false)
		return true
	}
	wrap := oaiName(m, "Opts")
	// Already instrumented: NewClient(wbiOAI3Opts(...)...).
	if len(call.Args) == 1 && call.Ellipsis.IsValid() {
		if c, ok := ast.Unparen(call.Args[0]).(*ast.CallExpr); ok {
			if cid, ok := c.Fun.(*ast.Ident); ok && cid.Name == wrap {
				if o := f.pkg.TypesInfo.Uses[cid]; o != nil && o.Pkg() == f.pkg.Types {
					s.Action = ActionAlready
					f.addOAI(s, m)
					return true
				}
			}
		}
	}
	s.Action = ActionRewritten
	open := f.off(call.Lparen) + 1
	var edits []edit
	if call.Ellipsis.IsValid() {
		// NewClient(opts...) becomes NewClient(wbiOAI3Opts(opts...)...).
		edits = []edit{{open, open, wrap + "("}, {f.off(call.Ellipsis) + 3, f.off(call.Ellipsis) + 3, ")..."}}
	} else {
		// The closing parenthesis of the forwarder goes right before the
		// call's own, after a trailing comma and newline if any, so no
		// line moves.
		end := f.off(call.Rparen)
		edits = []edit{{open, open, wrap + "("}, {end, end, ")..."}}
	}
	f.addOAI(s, m, edits...)
	return true
}

// addOAI adds a site that refers to the glue of major m.
func (f *finder) addOAI(s Site, m int, edits ...edit) {
	f.add(s, true, edits...)
	f.last().major = m
}

// oaiCtorValue reports an openai-go constructor used as a value.
func (f *finder) oaiCtorValue(id *ast.Ident, expr ast.Node, fn string) {
	ctor, _ := oaiConstructor(f.pkg.TypesInfo.Uses[id])
	if ctor == nil {
		return
	}
	f.addNotInstrumentable(f.siteAt(expr.Pos(), fn, ctor.Pkg().Name()+"."+ctor.Name(), "constructor value"), expr.Pos(),
		"constructor used as a value: calls on its services are logged by the call-site wrappers")
}

// oaiSelector instruments a call or method value of an openai-go
// service method; it reports whether x selects one.
func (f *finder) oaiSelector(x *ast.SelectorExpr, sel *types.Selection, parent, grand ast.Node, fn string) bool {
	m, major, target := oaiServiceMethod(sel)
	if m == nil {
		return false
	}
	s, done := f.selectorSite(x, sel, parent, fn, target)
	if done {
		return true
	}
	wrapper, why := oaiWrapperFor(major, m.Type().(*types.Signature))
	if wrapper == "" {
		s.Action, s.Reason = ActionNotInstrumentable, why
		f.add(s, false)
		return true
	}
	edits := f.wrapSite(&s, x, parent, grand, fn, wrapper, isOAIWrapper)
	f.addOAI(s, major, edits...)
	return true
}

// oaiInterfaceCall reports a call through a user interface whose method
// has the shape of an openai-go service method (a context first, request
// options last): no edit, since only the value behind the interface
// knows its service; a client or service built by an instrumented
// constructor logs the call (without its call site). It reports whether
// x selects such a method.
func (f *finder) oaiInterfaceCall(x *ast.SelectorExpr, sel *types.Selection, fn string) bool {
	m, ok := sel.Obj().(*types.Func)
	if !ok {
		return false
	}
	sig := m.Type().(*types.Signature)
	params := sig.Params()
	if !sig.Variadic() || params.Len() < 2 || !isContext(params.At(0).Type()) || isRequestOptions(params.At(params.Len()-1).Type()) == 0 {
		return false
	}
	target := types.TypeString(sel.Recv(), types.RelativeTo(f.pkg.Types)) + "." + m.Name()
	s := f.siteAt(x.Sel.Pos(), fn, target, "interface call")
	s.Action, s.Reason = ActionNotInstrumentable, "call through an interface: logged by the instrumented constructor"
	if a := f.skipped(x.Sel.Pos()); a != "" {
		s.Action, s.Reason = a, ""
	}
	f.add(s, false)
	return true
}

// oaiGlue returns the glue's import lines and declarations for major m.
func oaiGlue(m int) (imports, decls string) {
	opt := fmt.Sprintf("wbioption%d", m)
	imports = fmt.Sprintf("\t%s %q\n", opt, oaiOptionPkg(m))
	var b strings.Builder
	fmt.Fprintf(&b, "\nfunc %s(opts ...%s.RequestOption) []%s.RequestOption {\n\treturn wbopenai.OpenAIOptions(%s.WithMiddleware, opts)\n}\n", oaiName(m, "Opts"), opt, opt, opt)
	for n := 0; n <= oaiMaxParams; n++ {
		tps, params := typeParams(n, "")
		fmt.Fprintf(&b, "\nfunc %s[%sR any](f func(wbicontext.Context%s, ...%s.RequestOption) (R, error), site string) func(wbicontext.Context%s, ...%s.RequestOption) (R, error) {\n\treturn wbopenai.OpenAICall%d(%s.WithMiddleware, f, site)\n}\n",
			oaiName(m, "Call"+strconv.Itoa(n)), tps, params, opt, params, opt, n, opt)
		fmt.Fprintf(&b, "\nfunc %s[%sR any](f func(wbicontext.Context%s, ...%s.RequestOption) R, site string) func(wbicontext.Context%s, ...%s.RequestOption) R {\n\treturn wbopenai.OpenAIValue%d(%s.WithMiddleware, f, site)\n}\n",
			oaiName(m, "Value"+strconv.Itoa(n)), tps, params, opt, params, opt, n, opt)
		if n == 0 {
			fmt.Fprintf(&b, "\nfunc %s(f func(wbicontext.Context, ...%s.RequestOption) error, site string) func(wbicontext.Context, ...%s.RequestOption) error {\n\treturn wbopenai.OpenAIErr0(%s.WithMiddleware, f, site)\n}\n",
				oaiName(m, "Err0"), opt, opt, opt)
			continue
		}
		tpsAny, _ := typeParams(n, " any")
		fmt.Fprintf(&b, "\nfunc %s[%s](f func(wbicontext.Context%s, ...%s.RequestOption) error, site string) func(wbicontext.Context%s, ...%s.RequestOption) error {\n\treturn wbopenai.OpenAIErr%d(%s.WithMiddleware, f, site)\n}\n",
			oaiName(m, "Err"+strconv.Itoa(n)), strings.TrimSuffix(tpsAny, ", "), params, opt, params, opt, n, opt)
	}
	return imports, b.String()
}
