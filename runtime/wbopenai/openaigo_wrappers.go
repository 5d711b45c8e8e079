package wbopenai

import "context"

// The call-site wrappers of openai-go's service methods. Like go-openai's
// (wrappers.go) they are curried so that a rewritten call keeps its
// argument list:
//
//	client.Chat.Completions.New(ctx, params)
//
// becomes
//
//	wbiOAI3Call1(client.Chat.Completions.New, "main.go:12 main.run")(ctx, params)
//
// and they add one per-request option, a middleware bound to the call,
// which logs the call even when the client was built where the rewrite
// could not reach (a library's). with is option.WithMiddleware of the
// user's openai-go; the generated glue passes it. A call with a nil
// context is passed through untouched, so the SDK reports it as it would
// have. Every openai-go method ends with opts ...option.RequestOption and
// returns (R, error), R alone (streams, pagers) or an error alone.

// OpenAICall0 wraps a method with 0 parameters between the context and the options, returning a result and an error.
func OpenAICall0[R, O any](with func(...Middleware) O, f func(context.Context, ...O) (R, error), site string) func(context.Context, ...O) (R, error) {
	return func(ctx context.Context, opts ...O) (R, error) {
		if ctx == nil {
			return f(ctx, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r, err := f(gctx, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return r, err
	}
}

// OpenAIValue0 wraps a method with 0 parameters between the context and the options that returns no error (a stream, a pager).
func OpenAIValue0[R, O any](with func(...Middleware) O, f func(context.Context, ...O) R, site string) func(context.Context, ...O) R {
	return func(ctx context.Context, opts ...O) R {
		if ctx == nil {
			return f(ctx, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r := f(gctx, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(nil)
		return r
	}
}

// OpenAIErr0 wraps a method with 0 parameters between the context and the options that returns only an error.
func OpenAIErr0[O any](with func(...Middleware) O, f func(context.Context, ...O) error, site string) func(context.Context, ...O) error {
	return func(ctx context.Context, opts ...O) error {
		if ctx == nil {
			return f(ctx, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		err := f(gctx, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return err
	}
}

// OpenAICall1 wraps a method with 1 parameters between the context and the options, returning a result and an error.
func OpenAICall1[A1, R, O any](with func(...Middleware) O, f func(context.Context, A1, ...O) (R, error), site string) func(context.Context, A1, ...O) (R, error) {
	return func(ctx context.Context, a1 A1, opts ...O) (R, error) {
		if ctx == nil {
			return f(ctx, a1, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r, err := f(gctx, a1, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return r, err
	}
}

// OpenAIValue1 wraps a method with 1 parameters between the context and the options that returns no error (a stream, a pager).
func OpenAIValue1[A1, R, O any](with func(...Middleware) O, f func(context.Context, A1, ...O) R, site string) func(context.Context, A1, ...O) R {
	return func(ctx context.Context, a1 A1, opts ...O) R {
		if ctx == nil {
			return f(ctx, a1, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r := f(gctx, a1, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(nil)
		return r
	}
}

// OpenAIErr1 wraps a method with 1 parameters between the context and the options that returns only an error.
func OpenAIErr1[A1, O any](with func(...Middleware) O, f func(context.Context, A1, ...O) error, site string) func(context.Context, A1, ...O) error {
	return func(ctx context.Context, a1 A1, opts ...O) error {
		if ctx == nil {
			return f(ctx, a1, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		err := f(gctx, a1, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return err
	}
}

// OpenAICall2 wraps a method with 2 parameters between the context and the options, returning a result and an error.
func OpenAICall2[A1, A2, R, O any](with func(...Middleware) O, f func(context.Context, A1, A2, ...O) (R, error), site string) func(context.Context, A1, A2, ...O) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, opts ...O) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r, err := f(gctx, a1, a2, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return r, err
	}
}

// OpenAIValue2 wraps a method with 2 parameters between the context and the options that returns no error (a stream, a pager).
func OpenAIValue2[A1, A2, R, O any](with func(...Middleware) O, f func(context.Context, A1, A2, ...O) R, site string) func(context.Context, A1, A2, ...O) R {
	return func(ctx context.Context, a1 A1, a2 A2, opts ...O) R {
		if ctx == nil {
			return f(ctx, a1, a2, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r := f(gctx, a1, a2, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(nil)
		return r
	}
}

// OpenAIErr2 wraps a method with 2 parameters between the context and the options that returns only an error.
func OpenAIErr2[A1, A2, O any](with func(...Middleware) O, f func(context.Context, A1, A2, ...O) error, site string) func(context.Context, A1, A2, ...O) error {
	return func(ctx context.Context, a1 A1, a2 A2, opts ...O) error {
		if ctx == nil {
			return f(ctx, a1, a2, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		err := f(gctx, a1, a2, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return err
	}
}

// OpenAICall3 wraps a method with 3 parameters between the context and the options, returning a result and an error.
func OpenAICall3[A1, A2, A3, R, O any](with func(...Middleware) O, f func(context.Context, A1, A2, A3, ...O) (R, error), site string) func(context.Context, A1, A2, A3, ...O) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, opts ...O) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, a3, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r, err := f(gctx, a1, a2, a3, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return r, err
	}
}

// OpenAIValue3 wraps a method with 3 parameters between the context and the options that returns no error (a stream, a pager).
func OpenAIValue3[A1, A2, A3, R, O any](with func(...Middleware) O, f func(context.Context, A1, A2, A3, ...O) R, site string) func(context.Context, A1, A2, A3, ...O) R {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, opts ...O) R {
		if ctx == nil {
			return f(ctx, a1, a2, a3, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r := f(gctx, a1, a2, a3, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(nil)
		return r
	}
}

// OpenAIErr3 wraps a method with 3 parameters between the context and the options that returns only an error.
func OpenAIErr3[A1, A2, A3, O any](with func(...Middleware) O, f func(context.Context, A1, A2, A3, ...O) error, site string) func(context.Context, A1, A2, A3, ...O) error {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, opts ...O) error {
		if ctx == nil {
			return f(ctx, a1, a2, a3, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		err := f(gctx, a1, a2, a3, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return err
	}
}

// OpenAICall4 wraps a method with 4 parameters between the context and the options, returning a result and an error.
func OpenAICall4[A1, A2, A3, A4, R, O any](with func(...Middleware) O, f func(context.Context, A1, A2, A3, A4, ...O) (R, error), site string) func(context.Context, A1, A2, A3, A4, ...O) (R, error) {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, a4 A4, opts ...O) (R, error) {
		if ctx == nil {
			return f(ctx, a1, a2, a3, a4, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r, err := f(gctx, a1, a2, a3, a4, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return r, err
	}
}

// OpenAIValue4 wraps a method with 4 parameters between the context and the options that returns no error (a stream, a pager).
func OpenAIValue4[A1, A2, A3, A4, R, O any](with func(...Middleware) O, f func(context.Context, A1, A2, A3, A4, ...O) R, site string) func(context.Context, A1, A2, A3, A4, ...O) R {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, a4 A4, opts ...O) R {
		if ctx == nil {
			return f(ctx, a1, a2, a3, a4, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		r := f(gctx, a1, a2, a3, a4, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(nil)
		return r
	}
}

// OpenAIErr4 wraps a method with 4 parameters between the context and the options that returns only an error.
func OpenAIErr4[A1, A2, A3, A4, O any](with func(...Middleware) O, f func(context.Context, A1, A2, A3, A4, ...O) error, site string) func(context.Context, A1, A2, A3, A4, ...O) error {
	return func(ctx context.Context, a1 A1, a2 A2, a3 A3, a4 A4, opts ...O) error {
		if ctx == nil {
			return f(ctx, a1, a2, a3, a4, opts...)
		}
		g, gctx := beginOAI(ctx, funcPC(f), site)
		err := f(gctx, a1, a2, a3, a4, append(opts[:len(opts):len(opts)], with(g.middleware))...)
		g.returned(err)
		return err
	}
}
