package wbopenai

import "context"

// The call-site wrappers are curried so that a rewritten call keeps its
// argument list:
//
//	c.CreateChatCompletion(ctx, req)
//
// becomes
//
//	wbiCall1(c.CreateChatCompletion, "main.go:12 main.run")(ctx, req)
//
// Each wrapper runs f with a context marked with the call site. A call
// with a nil context is passed through untouched, so go-openai reports it
// as it would have.

// Call0 wraps a method with no parameters after the context.
func Call0[R any](f func(context.Context) (R, error), site string) func(context.Context) (R, error) {
	return func(ctx context.Context) (R, error) {
		if ctx == nil {
			return f(ctx)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx)
		if m.unlogged(err) {
			m.end(nil, r, err)
		}
		return r, err
	}
}

// Call1 wraps a method with 1 parameter after the context.
func Call1[A1, R any](f func(context.Context, A1) (R, error), site string) func(context.Context, A1) (R, error) {
	return func(ctx context.Context, a1 A1) (R, error) {
		if ctx == nil {
			return f(ctx, a1)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1)
		if m.unlogged(err) {
			m.end([]interface{}{a1}, r, err)
		}
		return r, err
	}
}

// Call2 wraps a method with 2 parameters after the context.
func Call2[A1, A2, R any](f func(context.Context, A1, A2) (R, error), site string) func(context.Context, A1, A2) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1, a2)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2}, r, err)
		}
		return r, err
	}
}

// Call3 wraps a method with 3 parameters after the context.
func Call3[A1, A2, A3, R any](f func(context.Context, A1, A2, A3) (R, error), site string) func(context.Context, A1, A2, A3) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, a3)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1, a2, a3)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2, a3}, r, err)
		}
		return r, err
	}
}

// Call4 wraps a method with 4 parameters after the context.
func Call4[A1, A2, A3, A4, R any](f func(context.Context, A1, A2, A3, A4) (R, error), site string) func(context.Context, A1, A2, A3, A4) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, a4 A4) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, a3, a4)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1, a2, a3, a4)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2, a3, a4}, r, err)
		}
		return r, err
	}
}

// Call5 wraps a method with 5 parameters after the context.
func Call5[A1, A2, A3, A4, A5, R any](f func(context.Context, A1, A2, A3, A4, A5) (R, error), site string) func(context.Context, A1, A2, A3, A4, A5) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, a4 A4, a5 A5) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, a3, a4, a5)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1, a2, a3, a4, a5)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2, a3, a4, a5}, r, err)
		}
		return r, err
	}
}

// Call6 wraps a method with 6 parameters after the context.
func Call6[A1, A2, A3, A4, A5, A6, R any](f func(context.Context, A1, A2, A3, A4, A5, A6) (R, error), site string) func(context.Context, A1, A2, A3, A4, A5, A6) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, a4 A4, a5 A5, a6 A6) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, a3, a4, a5, a6)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1, a2, a3, a4, a5, a6)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2, a3, a4, a5, a6}, r, err)
		}
		return r, err
	}
}

// CallV1 wraps a method with one parameter and a variadic one after the
// context (e.g. RetrieveResponse(ctx, id, opts...)).
func CallV1[A1, V, R any](f func(context.Context, A1, ...V) (R, error), site string) func(context.Context, A1, ...V) (R, error) {
	return func(ctx context.Context, a1 A1, v ...V) (R, error) {
		if ctx == nil {
			return f(ctx, a1, v...)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1, v...)
		if m.unlogged(err) {
			m.end([]interface{}{a1}, r, err)
		}
		return r, err
	}
}

// CallV2 wraps a method with two parameters and a variadic one after the
// context.
func CallV2[A1, A2, V, R any](f func(context.Context, A1, A2, ...V) (R, error), site string) func(context.Context, A1, A2, ...V) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, v ...V) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, v...)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		r, err := f(mctx, a1, a2, v...)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2}, r, err)
		}
		return r, err
	}
}

// CallE0 wraps a method that returns only an error and has no parameters
// after the context.
func CallE0(f func(context.Context) error, site string) func(context.Context) error {
	return func(ctx context.Context) error {
		if ctx == nil {
			return f(ctx)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		err := f(mctx)
		if m.unlogged(err) {
			m.end(nil, nil, err)
		}
		return err
	}
}

// CallE1 wraps a method that returns only an error and has 1 parameter
// after the context (e.g. DeleteFile(ctx, id)).
func CallE1[A1 any](f func(context.Context, A1) error, site string) func(context.Context, A1) error {
	return func(ctx context.Context, a1 A1) error {
		if ctx == nil {
			return f(ctx, a1)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		err := f(mctx, a1)
		if m.unlogged(err) {
			m.end([]interface{}{a1}, nil, err)
		}
		return err
	}
}

// CallE2 wraps a method that returns only an error and has 2 parameters
// after the context (e.g. DeleteFile(ctx, id)).
func CallE2[A1, A2 any](f func(context.Context, A1, A2) error, site string) func(context.Context, A1, A2) error {
	return func(ctx context.Context, a1 A1, a2 A2) error {
		if ctx == nil {
			return f(ctx, a1, a2)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		err := f(mctx, a1, a2)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2}, nil, err)
		}
		return err
	}
}

// CallE3 wraps a method that returns only an error and has 3 parameters
// after the context (e.g. DeleteFile(ctx, id)).
func CallE3[A1, A2, A3 any](f func(context.Context, A1, A2, A3) error, site string) func(context.Context, A1, A2, A3) error {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3) error {
		if ctx == nil {
			return f(ctx, a1, a2, a3)
		}
		m, mctx := begin(ctx, funcPC(f), site)
		err := f(mctx, a1, a2, a3)
		if m.unlogged(err) {
			m.end([]interface{}{a1, a2, a3}, nil, err)
		}
		return err
	}
}
